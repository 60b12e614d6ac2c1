// Signs in to the console API of a test daemon and makes cookie + CSRF requests with the session.
import type { TestDaemon } from './daemon.js';

export const TEST_DEVICE_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

export interface ConsoleSession {
  cookie: string;
  csrf: string;
  /** fetch under /console/v1 with the cookie, and the CSRF header on non-GET requests. */
  request(path: string, init?: RequestInit & { csrf?: string | null }): Promise<Response>;
}

/** The `name=value` part of the session Set-Cookie header. */
export function cookiePair(setCookie: string | null): string {
  if (!setCookie) throw new Error('no Set-Cookie in the login response');
  return setCookie.split(';')[0] as string;
}

export async function consoleLogin(daemon: TestDaemon, principal = 'admin:console-test', deviceId = TEST_DEVICE_ID): Promise<ConsoleSession> {
  const response = await fetch(`${daemon.ready.http}/console/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ admin_token: daemon.adminToken, principal, device_id: deviceId }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { csrf_token: string };
  const cookie = cookiePair(response.headers.get('set-cookie'));
  return {
    cookie,
    csrf: body.csrf_token,
    request(path, init = {}) {
      const { csrf, ...rest } = init;
      const method = (rest.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { cookie, ...(rest.headers as Record<string, string>) };
      if (rest.body !== undefined) headers['content-type'] ??= 'application/json';
      const token = csrf === undefined ? body.csrf_token : csrf;
      if (method !== 'GET' && token !== null) headers['x-palyra-csrf-token'] = token;
      return fetch(`${daemon.ready.http}/console/v1${path}`, { ...rest, method, headers });
    },
  };
}
