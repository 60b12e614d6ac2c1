// The one mapping from a palyra-browserd call status to a CoreError (the client side of the browser contract).
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { CoreError, type ErrorCode } from '../../core/errors.js';

// Statuses browserd answers on purpose keep their meaning; transport-level ones say the service is unreachable.
const CORE_CODE: Partial<Record<Status, ErrorCode>> = {
  [Status.INVALID_ARGUMENT]: 'invalid_argument',
  [Status.NOT_FOUND]: 'not_found',
  [Status.RESOURCE_EXHAUSTED]: 'resource_exhausted',
  [Status.PERMISSION_DENIED]: 'permission_denied',
  [Status.DEADLINE_EXCEEDED]: 'deadline_exceeded',
  [Status.FAILED_PRECONDITION]: 'failed_precondition',
  [Status.OUT_OF_RANGE]: 'out_of_range',
  [Status.CANCELLED]: 'cancelled',
  [Status.UNAVAILABLE]: 'unavailable',
  [Status.ABORTED]: 'aborted',
};

/**
 * A failed browserd call as a CoreError. UNAUTHENTICATED means the daemon's own service token is
 * wrong (a configuration problem, not the caller's), so it becomes `failed_precondition`; UNAVAILABLE
 * and an unknown status name the service state so the caller sees why.
 */
export function browserdError(error: ServiceError, serviceState: string): CoreError {
  if (error.code === Status.UNAUTHENTICATED) {
    return new CoreError('failed_precondition', 'the browser service refused the daemon\'s service token ([browser] token)', { cause: error });
  }
  if (error.code === Status.UNAVAILABLE) {
    return new CoreError('unavailable', `browser service unavailable (${serviceState})`, { cause: error });
  }
  const code = CORE_CODE[error.code];
  if (code === undefined) return new CoreError('internal', 'browser service failed', { cause: error });
  return new CoreError(code, `browser service: ${error.details || Status[error.code]}`, { cause: error });
}
