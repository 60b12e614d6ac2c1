// Builds the CoreError a bad configuration raises, and prints config values the way the user wrote them.
import { CoreError, type ValidationIssue } from '../../core/errors.js';

const DEFAULT_HINT = 'fix the value in palyra.toml, the PALYRA_* environment variable or the flag named above';

/**
 * One `invalid_argument` CoreError for one or more problems. Each problem is one line starting
 * with `invalid config: `; `details.hint` says what to do next.
 */
export function configError(problems: readonly string[], hint = DEFAULT_HINT, issues: ValidationIssue[] = []): CoreError {
  return new CoreError('invalid_argument', problems.map((problem) => `invalid config: ${problem}`).join('\n'), {
    details: { hint, ...(issues.length > 0 ? { validationErrors: issues } : {}) },
  });
}

/** A value as it appears in a message: JSON where possible (strings quoted), never throwing. */
export function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
