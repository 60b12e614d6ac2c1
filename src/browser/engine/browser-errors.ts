// Turns what playwright throws into CoreErrors with a message safe to show.
import { errors as playwrightErrors } from 'playwright-core';
import { CoreError } from '../../core/errors.js';

/** The first line of a playwright message, without its `page.click:` prefix and call log. */
function firstLine(error: Error): string {
  const line = error.message.split('\n')[0] ?? '';
  return line.replace(/^[a-zA-Z]+\.[a-zA-Z]+: /, '').slice(0, 500);
}

/**
 * `what` names the action for the message ("click on #submit"). A timeout is `deadline_exceeded`; a
 * closed page or context (the session expired meanwhile) is `failed_precondition`; an unknown key or
 * a malformed selector is `invalid_argument`; anything else the page refused is `failed_precondition`.
 */
export function toBrowserError(error: unknown, what: string, timeoutMs: number): CoreError {
  if (error instanceof CoreError) return error;
  if (error instanceof playwrightErrors.TimeoutError) {
    return new CoreError('deadline_exceeded', `${what} did not complete within ${timeoutMs} ms`, { cause: error });
  }
  if (!(error instanceof Error)) return new CoreError('internal', 'internal error', { cause: error });
  const line = firstLine(error);
  if (/has been closed|Target closed/i.test(line)) {
    return new CoreError('failed_precondition', `${what} failed: the tab or session was closed`, { cause: error });
  }
  if (/Unknown key|is not a valid selector|Unexpected token|Unsupported token|SyntaxError/i.test(line)) {
    return new CoreError('invalid_argument', `${what} failed: ${line}`, { cause: error });
  }
  return new CoreError('failed_precondition', `${what} failed: ${line}`, { cause: error });
}
