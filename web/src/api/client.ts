// The one API client: openapi-fetch typed by the daemon's OpenAPI document, CSRF on unsafe methods, errors as ApiError.
import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, isEnvelope } from './errors';
import type { paths } from './schema';
import { getCsrfToken, signalSignedOut } from './session';

export const CSRF_HEADER = 'x-palyra-csrf-token';
const LOGIN_PATH = '/console/v1/auth/login';

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    const token = getCsrfToken();
    if (token !== null && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set(CSRF_HEADER, token);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith(LOGIN_PATH)) {
      signalSignedOut('Your console session ended (it expired, was signed out elsewhere, or the daemon lost it). Sign in again.');
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? '', credentials: 'same-origin' });
api.use(sessionMiddleware);

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call: its data, or an ApiError carrying the envelope's message and request id. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (error) {
    throw ApiError.unreachable(error);
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  if (isEnvelope(result.error)) throw new ApiError(result.response.status, result.error);
  throw ApiError.fromStatus(result.response.status, typeof result.error === 'string' ? result.error : '');
}
