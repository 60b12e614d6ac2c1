// The gRPC mapping of CoreError: one status per code, and the one way an error becomes a call status.
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CoreError, type ErrorCode, toCoreError } from '../../core/errors.js';

/** Every core code has exactly one gRPC status; a new code does not compile until it is mapped here. */
export const GRPC_STATUS = {
  invalid_argument: Status.INVALID_ARGUMENT,
  unauthenticated: Status.UNAUTHENTICATED,
  permission_denied: Status.PERMISSION_DENIED,
  not_found: Status.NOT_FOUND,
  already_exists: Status.ALREADY_EXISTS,
  failed_precondition: Status.FAILED_PRECONDITION,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  out_of_range: Status.OUT_OF_RANGE,
  aborted: Status.ABORTED,
  cancelled: Status.CANCELLED,
  deadline_exceeded: Status.DEADLINE_EXCEEDED,
  unavailable: Status.UNAVAILABLE,
  internal: Status.INTERNAL,
} as const satisfies Record<ErrorCode, Status>;

/** Trailer naming the core error code, so clients need not reverse the status table. */
export const ERROR_CODE_TRAILER = 'palyra-error-code';

export interface CallStatus {
  code: Status;
  details: string;
  metadata: Metadata;
}

/**
 * The status a failed call ends with. A CoreError keeps its message; anything else becomes INTERNAL
 * with a generic message naming the request id, and the original goes only to the log.
 */
export function toCallStatus(thrown: unknown, requestId: string, logger: Logger): CallStatus {
  const error = toCoreError(thrown);
  if (error.code === 'internal') logger.error({ err: error.cause ?? error, request_id: requestId }, 'gRPC call failed');
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, error.code);
  const details = error.code === 'internal' ? `internal error (request ${requestId})` : error.message;
  return { code: GRPC_STATUS[error.code], details, metadata };
}

/** The status name used as the metrics label (`OK`, `NOT_FOUND`, ...). */
export function statusName(code: Status): string {
  return Status[code] ?? String(code);
}

export { CoreError };
