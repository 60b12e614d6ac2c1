// ApiError: the daemon's error envelope (message, code, request id) as one error type for the pages.
import type { paths } from './schema';

/** The JSON body of every error response, as the daemon's OpenAPI document declares it. */
export type ErrorEnvelope = paths['/console/v1/runs']['get']['responses']['4XX']['content']['application/json'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly envelope: ErrorEnvelope,
  ) {
    super(envelope.error);
    this.name = 'ApiError';
  }

  get code(): string {
    return this.envelope.code;
  }

  get requestId(): string {
    return this.envelope.request_id;
  }

  /** A fetch that never reached the daemon (down, restarting, offline). */
  static unreachable(cause: unknown): ApiError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new ApiError(0, { error: `the daemon is not reachable (${detail})`, code: 'unavailable', category: 'server', retryable: true, request_id: '' });
  }

  /** A response without the envelope (a proxy page, a truncated body). */
  static fromStatus(status: number, text: string): ApiError {
    return new ApiError(status, { error: `HTTP ${status}: ${text.slice(0, 200) || 'no body'}`, code: 'internal', category: 'server', retryable: false, request_id: '' });
  }
}

export function isEnvelope(value: unknown): value is ErrorEnvelope {
  return typeof value === 'object' && value !== null && typeof (value as ErrorEnvelope).error === 'string' && typeof (value as ErrorEnvelope).code === 'string';
}
