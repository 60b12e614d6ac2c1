// Authentication over real SQLite: admin token, API tokens, session tokens, console sessions, lockout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreError, type ErrorCode } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { createCoreFixture, type CoreFixture, TEST_ADMIN_TOKEN } from '../helpers/core-fixture.js';
import { parseToken } from '../../src/core/auth/secrets.js';

const fails = (code: ErrorCode) => (error: unknown) => error instanceof CoreError && error.code === code;

describe('authentication', () => {
  let fx: CoreFixture;
  let clock = 1_800_000_000_000;
  before(() => {
    fx = createCoreFixture({ now: () => clock });
  });
  after(() => fx.close());

  test('admin token → admin principal from the header (default admin:local), all scopes', () => {
    const ctx = fx.core.auth.authenticate({ bearer: TEST_ADMIN_TOKEN, principal: 'admin:ops' });
    assert.equal(ctx.principal, 'admin:ops');
    assert.deepEqual(ctx.scopes, ['*']);
    assert.equal(fx.core.auth.authenticate({ bearer: TEST_ADMIN_TOKEN }).principal, 'admin:local');
  });

  test('missing or wrong bearer → unauthenticated; admin token acting as user: → permission_denied', () => {
    assert.throws(() => fx.core.auth.authenticate({}), fails('unauthenticated'));
    assert.throws(() => fx.core.auth.authenticate({ bearer: `${TEST_ADMIN_TOKEN}x` }), fails('unauthenticated'));
    assert.throws(() => fx.core.auth.authenticate({ bearer: TEST_ADMIN_TOKEN, principal: 'user:mallory' }), fails('permission_denied'));
    assert.throws(() => fx.core.auth.authenticate({ bearer: TEST_ADMIN_TOKEN, deviceId: 'nope' }), fails('invalid_argument'));
  });

  test('API token: principal from the token, only its scopes; a different principal header → permission_denied', async () => {
    const issued = await fx.core.tokens.createApiToken(fx.admin, { name: 'ci', principal: 'user:ci', scopes: ['runs:read'] });
    assert.match(issued.token, /^palyra_pat_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    const ctx = fx.core.auth.authenticate({ bearer: issued.token });
    assert.equal(ctx.principal, 'user:ci');
    assert.equal(ctx.credential, 'api_token');
    assert.throws(() => fx.core.auth.authenticate({ bearer: issued.token, principal: 'user:other' }), fails('permission_denied'));
    assert.throws(() => fx.core.sessions.list(ctx, {}), fails('permission_denied'));
    assert.ok(!JSON.stringify(fx.db.prepare('SELECT * FROM credentials').all()).includes(parseToken(issued.token)?.secret as string), 'secret stored in clear');
  });

  test('API token that expired or was revoked → unauthenticated; a tampered secret → unauthenticated', async () => {
    const short = await fx.core.tokens.createApiToken(fx.admin, { name: 'short', principal: 'user:a', scopes: ['*'], ttlSeconds: 60 });
    clock += 61_000;
    assert.throws(() => fx.core.auth.authenticate({ bearer: short.token }), fails('unauthenticated'));
    const revoked = await fx.core.tokens.createApiToken(fx.admin, { name: 'gone', principal: 'user:a', scopes: ['*'] });
    await fx.core.tokens.revokeApiToken(fx.admin, revoked.record.tokenId);
    assert.throws(() => fx.core.auth.authenticate({ bearer: revoked.token }), fails('unauthenticated'));
    const live = await fx.core.tokens.createApiToken(fx.admin, { name: 'live', principal: 'user:a', scopes: ['*'] });
    const tampered = `${live.token.slice(0, -1)}${live.token.endsWith('A') ? 'B' : 'A'}`;
    assert.throws(() => fx.core.auth.authenticate({ bearer: tampered }), fails('unauthenticated'));
  });

  test('a scoped caller cannot grant scopes it lacks or mint for others', async () => {
    const issued = await fx.core.tokens.createApiToken(fx.admin, { name: 'minter', principal: 'user:m', scopes: ['tokens:write', 'runs:read'] });
    const ctx = fx.core.auth.authenticate({ bearer: issued.token });
    await assert.rejects(fx.core.tokens.createApiToken(ctx, { name: 'x', principal: 'user:m', scopes: ['runs:write'] }), fails('permission_denied'));
    await assert.rejects(fx.core.tokens.createApiToken(ctx, { name: 'x', principal: 'user:other', scopes: ['runs:read'] }), fails('permission_denied'));
    await assert.rejects(fx.core.tokens.createApiToken(fx.admin, { name: 'x', principal: 'user:m', scopes: ['bogus'] }), fails('invalid_argument'));
  });

  test('session token: bound to device and channel, expires, dies with its parent API token', async () => {
    const parent = await fx.core.tokens.createApiToken(fx.admin, { name: 'parent', principal: 'user:s', scopes: ['runs:read', 'runs:write'] });
    const deviceId = newId();
    const parentCtx = fx.core.auth.authenticate({ bearer: parent.token, deviceId, channel: 'cli' });
    const session = await fx.core.tokens.exchange(parentCtx, { scopes: ['runs:read'], ttlSeconds: 120 });
    const ctx = fx.core.auth.authenticate({ bearer: session.token, deviceId, channel: 'cli' });
    assert.deepEqual([ctx.principal, ctx.deviceId, ctx.channel, ctx.credential], ['user:s', deviceId, 'cli', 'session_token']);
    assert.throws(() => fx.core.auth.authenticate({ bearer: session.token, deviceId: newId() }), fails('permission_denied'));
    await assert.rejects(fx.core.tokens.exchange(ctx, { scopes: ['runs:write'] }), fails('permission_denied'));
    await fx.core.tokens.revokeApiToken(fx.admin, parent.record.tokenId);
    assert.throws(() => fx.core.auth.authenticate({ bearer: session.token, deviceId }), fails('unauthenticated'));
  });

  test('listSessionTokens → live ones only: a revoked and an expired session token are left out', async () => {
    const parent = await fx.core.tokens.createApiToken(fx.admin, { name: 'lister', principal: 'user:lister', scopes: ['*'] });
    const ctx = fx.core.auth.authenticate({ bearer: parent.token });
    const short = await fx.core.tokens.exchange(ctx, { ttlSeconds: 60 });
    const revoked = await fx.core.tokens.exchange(ctx, { ttlSeconds: 600 });
    const live = await fx.core.tokens.exchange(ctx, { ttlSeconds: 600 });
    await fx.core.tokens.revokeSessionToken(ctx, revoked.record.tokenId);
    const ids = () => fx.core.tokens.listSessionTokens(ctx, {}).tokens.map((record) => record.tokenId);
    assert.deepEqual(ids(), [short.record.tokenId, live.record.tokenId]);
    clock += 61_000;
    assert.deepEqual(ids(), [live.record.tokenId]);
  });

  test('console session: sliding idle timeout, absolute cap, logout revokes, CSRF checked', async () => {
    const login = await fx.core.consoleSessions.open(fx.admin);
    const { session } = fx.core.consoleSessions.authenticate(login.sessionToken);
    fx.core.consoleSessions.checkCsrf(session, login.csrfToken);
    assert.throws(() => fx.core.consoleSessions.checkCsrf(session, undefined), fails('permission_denied'));
    assert.throws(() => fx.core.consoleSessions.checkCsrf(session, login.sessionToken), fails('permission_denied'));
    for (let i = 0; i < 30; i += 1) {
      clock += 25 * 60_000; // stays alive while used within the idle timeout …
      if (i < 28) fx.core.consoleSessions.authenticate(login.sessionToken);
    }
    assert.throws(() => fx.core.consoleSessions.authenticate(login.sessionToken), fails('unauthenticated'), '… until the 12 h cap');
    const idle = await fx.core.consoleSessions.open(fx.admin);
    clock += 31 * 60_000;
    assert.throws(() => fx.core.consoleSessions.authenticate(idle.sessionToken), fails('unauthenticated'));
    const out = await fx.core.consoleSessions.open(fx.admin);
    const { ctx } = fx.core.consoleSessions.authenticate(out.sessionToken);
    await fx.core.consoleSessions.logout(ctx);
    assert.throws(() => fx.core.consoleSessions.authenticate(out.sessionToken), fails('unauthenticated'));
  });

  test('login lockout after 5 failures from one client, lifted after the lockout period', () => {
    for (let i = 0; i < 5; i += 1) {
      fx.core.consoleSessions.checkLockout('10.0.0.9');
      fx.core.consoleSessions.recordFailedLogin('10.0.0.9');
    }
    assert.throws(() => fx.core.consoleSessions.checkLockout('10.0.0.9'), (error: unknown) => fails('resource_exhausted')(error) && (error as CoreError).details.retryAfterSeconds === 300);
    fx.core.consoleSessions.checkLockout('10.0.0.10');
    clock += 5 * 60_000 + 1;
    fx.core.consoleSessions.checkLockout('10.0.0.9');
  });
});
