// Console session lifetimes over HTTP on a controlled clock: cookie renewal, idle expiry, the absolute cap, logout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createHttpServer } from '../../src/transport/http/server.js';
import { cookiePair, TEST_DEVICE_ID } from '../helpers/console-session.js';
import { createCoreFixture, type CoreFixture, TEST_ADMIN_TOKEN } from '../helpers/core-fixture.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('console session lifetime over HTTP (controlled clock)', () => {
  let clock = Date.UTC(2026, 0, 1);
  let fixture: CoreFixture;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    fixture = createCoreFixture({ now: () => clock });
    app = await createHttpServer({
      core: fixture.core,
      logger: pino({ level: 'silent' }),
      info: { version: 'test', startedAtMs: clock, listeners: () => ({}), isReady: () => true },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await app.close();
    await fixture.close();
  });

  async function login(): Promise<{ cookie: string; maxAge: number; idleExpiresAt: number }> {
    const response = await fetch(`${base}/console/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ admin_token: TEST_ADMIN_TOKEN, principal: 'admin:clock', device_id: TEST_DEVICE_ID }),
    });
    assert.equal(response.status, 200);
    const setCookie = response.headers.get('set-cookie');
    const body = (await response.json()) as { session: { idle_expires_at_unix_ms: number } };
    return { cookie: cookiePair(setCookie), maxAge: maxAgeOf(setCookie), idleExpiresAt: body.session.idle_expires_at_unix_ms };
  }

  async function whoAmI(cookie: string): Promise<{ status: number; setCookie: string | null; idleExpiresAt?: number; code?: string }> {
    const response = await fetch(`${base}/console/v1/auth/session`, { headers: { cookie } });
    const body = (await response.json()) as { session?: { idle_expires_at_unix_ms: number }; code?: string };
    return {
      status: response.status,
      setCookie: response.headers.get('set-cookie'),
      ...(body.session ? { idleExpiresAt: body.session.idle_expires_at_unix_ms } : {}),
      ...(body.code ? { code: body.code } : {}),
    };
  }

  function maxAgeOf(setCookie: string | null): number {
    const match = /; Max-Age=(\d+);/.exec(setCookie ?? '');
    assert.ok(match, `a Max-Age in ${setCookie}`);
    return Number(match[1]);
  }

  test('login: Max-Age is the 30 min idle timeout and the reported idle deadline matches it', async () => {
    const loggedIn = await login();
    assert.equal(loggedIn.maxAge, 30 * 60);
    assert.equal(loggedIn.idleExpiresAt, clock + 30 * MINUTE);
  });

  test('within 30 s the idle deadline does not move and no cookie is re-issued; after 30 s both move together', async () => {
    const { cookie } = await login();
    const loginAt = clock;
    clock += 10 * SECOND;
    const early = await whoAmI(cookie);
    assert.equal(early.status, 200);
    assert.equal(early.setCookie, null);
    assert.equal(early.idleExpiresAt, loginAt + 30 * MINUTE, 'the deadline is where the browser cookie expires');

    clock += 21 * SECOND;
    const renewed = await whoAmI(cookie);
    assert.equal(renewed.status, 200);
    assert.equal(maxAgeOf(renewed.setCookie), 30 * 60);
    assert.equal(renewed.idleExpiresAt, clock + 30 * MINUTE);
  });

  test('idle for 30 min → 401 unauthenticated, and it stays signed out', async () => {
    const { cookie } = await login();
    clock += 29 * MINUTE + 59 * SECOND;
    assert.equal((await whoAmI(cookie)).status, 200, 'one second before the idle deadline');
    clock += 30 * MINUTE;
    const expired = await whoAmI(cookie);
    assert.equal(expired.status, 401);
    assert.equal(expired.code, 'unauthenticated');
    clock += SECOND;
    assert.equal((await whoAmI(cookie)).status, 401);
  });

  test('kept busy, a session still ends at the 12 h cap; near it the cookie only lives until the cap', async () => {
    const { cookie } = await login();
    const capAt = clock + 12 * 60 * MINUTE;
    while (clock + 25 * MINUTE < capAt - 10 * MINUTE) {
      clock += 25 * MINUTE;
      assert.equal((await whoAmI(cookie)).status, 200);
    }
    clock = capAt - 10 * MINUTE;
    const nearCap = await whoAmI(cookie);
    assert.equal(nearCap.status, 200);
    assert.equal(maxAgeOf(nearCap.setCookie), 10 * 60);
    assert.equal(nearCap.idleExpiresAt, capAt);
    clock = capAt;
    assert.equal((await whoAmI(cookie)).status, 401);
  });

  test('logout → the same cookie is refused at once (no cached session outlives it)', async () => {
    const { cookie } = await login();
    assert.equal((await whoAmI(cookie)).status, 200);
    const session = (await (await fetch(`${base}/console/v1/auth/session`, { headers: { cookie } })).json()) as { csrf_token: string };
    const logout = await fetch(`${base}/console/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'x-palyra-csrf-token': session.csrf_token, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(logout.status, 200);
    assert.equal((await whoAmI(cookie)).status, 401);
  });
});
