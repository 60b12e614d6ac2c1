// The QUIC/TLS node RPC mapping of CoreError: one error-frame entry per code, and the one way an error becomes a frame.
import { CoreError, type ErrorCode, toCoreError } from '../../core/errors.js';
import { type ErrorFramePayload, FrameError } from './codec.js';

/**
 * Every core code has one entry; a new code does not compile until it is mapped here. `status` is the
 * gRPC status number of the same meaning (the methods are NodeService's gRPC paths), for clients that
 * map errors numerically; `retryable` says whether the same call may succeed later unchanged.
 */
export const QUIC_ERRORS = {
  invalid_argument: { status: 3, retryable: false },
  unauthenticated: { status: 16, retryable: false },
  permission_denied: { status: 7, retryable: false },
  not_found: { status: 5, retryable: false },
  already_exists: { status: 6, retryable: false },
  failed_precondition: { status: 9, retryable: false },
  resource_exhausted: { status: 8, retryable: true },
  out_of_range: { status: 11, retryable: false },
  aborted: { status: 10, retryable: true },
  cancelled: { status: 1, retryable: false },
  deadline_exceeded: { status: 4, retryable: true },
  unavailable: { status: 14, retryable: true },
  internal: { status: 13, retryable: false },
} as const satisfies Record<ErrorCode, { status: number; retryable: boolean }>;

/** Transport-level refusals, as core codes plus a `reason` naming the rule. */
const FRAME_ERRORS = {
  frame_too_large: 'resource_exhausted',
  malformed_frame: 'invalid_argument',
  protocol_mismatch: 'failed_precondition',
} as const satisfies Record<FrameError['reason'], ErrorCode>;

/** A method name not in the dispatch table. */
export function unsupportedMethod(method: string): CoreError {
  return new CoreError('not_found', `unsupported method ${method.slice(0, 80)}`, { details: { reason: 'unsupported_method' } });
}

/** Any failure of a call as the CoreError it is sent as: a FrameError keeps its reason, anything else unknown is `internal`. */
export function toNodeRpcError(thrown: unknown): CoreError {
  return thrown instanceof FrameError ? new CoreError(FRAME_ERRORS[thrown.reason], thrown.message, { details: { reason: thrown.reason } }) : toCoreError(thrown);
}

/**
 * The error frame a failed call ends with. A CoreError keeps its message and `details.reason`;
 * `internal` gets a generic message naming the request id (the original is for the log only).
 */
export function toErrorFrame(error: CoreError, requestId: string): ErrorFramePayload {
  const { reason, ...rest } = error.details;
  const details = Object.keys(rest).length > 0 && error.code !== 'internal' ? { details: rest } : {};
  return {
    code: error.code,
    message: error.code === 'internal' ? `internal error (request ${requestId})` : error.message,
    ...(typeof reason === 'string' ? { reason } : {}),
    retryable: QUIC_ERRORS[error.code].retryable,
    ...details,
  };
}

/** The client side: an error frame back into a CoreError (unknown codes become `internal`). */
export function fromErrorFrame(payload: ErrorFramePayload): CoreError {
  const code = (Object.hasOwn(QUIC_ERRORS, payload.code) ? payload.code : 'internal') as ErrorCode;
  return new CoreError(code, payload.message, { details: { ...(payload.details ?? {}), ...(payload.reason ? { reason: payload.reason } : {}) } });
}
