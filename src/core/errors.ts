// CoreError: the one error type of the application core, mapped once per transport.

/** The fixed list of error codes. Every transport maps each one (`satisfies Record<ErrorCode, …>`). */
export const ERROR_CODES = [
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'already_exists',
  'failed_precondition',
  'resource_exhausted',
  'out_of_range',
  'aborted',
  'cancelled',
  'deadline_exceeded',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface CoreErrorDetails {
  validationErrors?: ValidationIssue[];
  [key: string]: unknown;
}

/**
 * An error the core raises on purpose. `message` is safe to show to the caller;
 * `cause` is for the log only and never reaches the wire.
 */
export class CoreError extends Error {
  readonly code: ErrorCode;
  readonly details: CoreErrorDetails;

  constructor(code: ErrorCode, message: string, options: { details?: CoreErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CoreError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Any thrown value as a CoreError: a CoreError passes through, anything else becomes `internal`. */
export function toCoreError(error: unknown): CoreError {
  if (error instanceof CoreError) return error;
  return new CoreError('internal', 'internal error', { cause: error });
}

export function isCoreError(error: unknown, code?: ErrorCode): error is CoreError {
  return error instanceof CoreError && (code === undefined || error.code === code);
}
