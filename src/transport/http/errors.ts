// The HTTP mapping of CoreError: one status per code and one JSON envelope for every error.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, type ErrorCode, toCoreError, type ValidationIssue } from '../../core/errors.js';

interface HttpMapping {
  status: number;
  category: 'client' | 'auth' | 'conflict' | 'limit' | 'server';
  retryable: boolean;
}

export const HTTP_ERRORS = {
  invalid_argument: { status: 400, category: 'client', retryable: false },
  unauthenticated: { status: 401, category: 'auth', retryable: false },
  permission_denied: { status: 403, category: 'auth', retryable: false },
  not_found: { status: 404, category: 'client', retryable: false },
  already_exists: { status: 409, category: 'conflict', retryable: false },
  failed_precondition: { status: 412, category: 'conflict', retryable: false },
  aborted: { status: 409, category: 'conflict', retryable: true },
  out_of_range: { status: 413, category: 'limit', retryable: false },
  resource_exhausted: { status: 429, category: 'limit', retryable: true },
  cancelled: { status: 499, category: 'client', retryable: true },
  deadline_exceeded: { status: 504, category: 'server', retryable: true },
  unavailable: { status: 503, category: 'server', retryable: true },
  internal: { status: 500, category: 'server', retryable: false },
} as const satisfies Record<ErrorCode, HttpMapping>;

export interface ErrorEnvelope {
  error: string;
  code: ErrorCode;
  category: HttpMapping['category'];
  retryable: boolean;
  request_id: string;
  validation_errors?: ValidationIssue[];
}

export function errorEnvelope(error: CoreError, requestId: string): ErrorEnvelope {
  const mapping = HTTP_ERRORS[error.code];
  const message = error.code === 'internal' ? `internal error (request ${requestId})` : error.message;
  return {
    error: message,
    code: error.code,
    category: mapping.category,
    retryable: mapping.retryable,
    request_id: requestId,
    ...(error.details.validationErrors ? { validation_errors: error.details.validationErrors } : {}),
  };
}

/** The router's refusal of a path parameter over 100 characters (Fastify's `maxParamLength`): 414. */
export function paramTooLong(): CoreError {
  return new CoreError('invalid_argument', 'a path parameter is longer than 100 characters', { details: { status: 414 } });
}

/** The HTTP status of `error`: its code's, unless the error names a more precise one (415, 414, 421, …). */
export function statusOf(error: CoreError): number {
  return typeof error.details.status === 'number' ? error.details.status : HTTP_ERRORS[error.code].status;
}

/** Fastify's own errors (bad JSON, body too large, schema validation, router refusals) as CoreErrors. */
function fromFastifyError(error: FastifyError): CoreError {
  if (error.validation) {
    const issues = error.validation.map((issue) => ({ path: issue.instancePath || '/', message: issue.message ?? 'is invalid' }));
    return new CoreError('invalid_argument', `invalid request: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`, {
      details: { validationErrors: issues },
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CoreError('out_of_range', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CoreError('invalid_argument', 'unsupported content type: send application/json', { details: { status: 415 } });
    // The router's refusals: the message does not echo the path back.
    case 'FST_ERR_BAD_URL':
      return new CoreError('invalid_argument', 'the request path is not valid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return paramTooLong();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new CoreError('invalid_argument', 'request body is not valid JSON');
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new CoreError('invalid_argument', error.message);
      }
      return toCoreError(error);
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const error = thrown instanceof CoreError ? thrown : isFastifyError(thrown) ? fromFastifyError(thrown) : toCoreError(thrown);
  if (error.code === 'internal') request.log.error({ err: error.cause ?? error }, 'request failed');
  if (typeof error.details.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
  // Fastify asks for `connection: close` after a body it could not read. HTTP/2 forbids connection-specific
  // headers (RFC 9113 §8.2.2): Node would drop it with an UnsupportedWarning on every such response.
  if (request.raw.httpVersionMajor === 2) reply.removeHeader('connection');
  return reply.code(statusOf(error)).type('application/json').send(errorEnvelope(error, request.id));
}

/** The error of a request no route answers. */
export function notFound(request: FastifyRequest): CoreError {
  return new CoreError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, notFound(request)));
}

function isFastifyError(value: unknown): value is FastifyError {
  return value instanceof Error && typeof (value as FastifyError).code === 'string' && (value as FastifyError).code.startsWith('FST_');
}
