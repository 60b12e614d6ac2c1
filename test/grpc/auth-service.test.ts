// AuthService and call authentication over grpc-js: tokens, WhoAmI, scopes, and the auth failure of every method.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, callError, type Clients, connect, type Identity } from '../helpers/grpc-client.js';
import { parseToken } from '../../src/core/auth/secrets.js';

type Unary = (client: Clients, identity: Identity) => Promise<unknown>;

const ID = { ulid: '01ARZ3NDEKTSV4RRFFQ69G5FAV' };
/** Every authenticated unary method with a harmless request. */
const METHODS: Record<string, Unary> = {
  AppendEvent: (c, i) => call(c.gateway, c.gateway.appendEvent, { v: 1, event: undefined }, i),
  AbortRun: (c, i) => call(c.gateway, c.gateway.abortRun, { v: 1, runId: ID, reason: '' }, i),
  ListSessions: (c, i) => call(c.gateway, c.gateway.listSessions, { v: 1, afterSessionKey: '', limit: 1, includeArchived: false, q: '' }, i),
  ResolveSession: (c, i) => call(c.gateway, c.gateway.resolveSession, { v: 1, sessionId: undefined, sessionKey: '', sessionLabel: '', requireExisting: true, resetSession: false }, i),
  CleanupSession: (c, i) => call(c.gateway, c.gateway.cleanupSession, { v: 1, sessionId: ID, sessionKey: '' }, i),
  GetRun: (c, i) => call(c.gateway, c.gateway.getRun, { v: 1, runId: ID }, i),
  ListRuns: (c, i) => call(c.gateway, c.gateway.listRuns, { v: 1, sessionId: undefined, afterRunId: '', limit: 1, states: [] }, i),
  ListApprovals: (c, i) => call(c.approvals, c.approvals.listApprovals, { v: 1, afterApprovalUlid: '', limit: 1, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: false }, i),
  GetApproval: (c, i) => call(c.approvals, c.approvals.getApproval, { v: 1, approvalId: ID }, i),
  DecideApproval: (c, i) => call(c.approvals, c.approvals.decideApproval, { v: 1, approvalId: ID, approved: true, reason: '', decisionScope: 1, decisionScopeTtlMs: 0 }, i),
  ExchangeToken: (c, i) => call(c.auth, c.auth.exchangeToken, { v: 1, scopes: [], ttlSeconds: 0 }, i),
  WhoAmI: (c, i) => call(c.auth, c.auth.whoAmI, { v: 1 }, i),
  RevokeToken: (c, i) => call(c.auth, c.auth.revokeToken, { v: 1, tokenId: undefined }, i),
  CreateApiToken: (c, i) => call(c.auth, c.auth.createApiToken, { v: 1, name: 'x', principal: 'user:x', scopes: ['runs:read'], ttlSeconds: 0 }, i),
  ListApiTokens: (c, i) => call(c.auth, c.auth.listApiTokens, { v: 1, afterTokenId: '', limit: 1, includeRevoked: false }, i),
  RevokeApiToken: (c, i) => call(c.auth, c.auth.revokeApiToken, { v: 1, tokenId: ID, reason: '' }, i),
  ListSessionTokens: (c, i) => call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: '', limit: 1, principal: '' }, i),
};

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return status.OK;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

describe('AuthService and call authentication', () => {
  let daemon: TestDaemon;
  let c: Clients;
  let admin: Identity;

  before(async () => {
    daemon = await startDaemon();
    c = connect(daemon.ready.grpc);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
  });
  after(async () => {
    c.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  for (const [name, invoke] of Object.entries(METHODS)) {
    test(`${name}: no token, a bad token, a malformed bearer → UNAUTHENTICATED`, async () => {
      assert.equal(await codeOf(invoke(c, {})), status.UNAUTHENTICATED);
      assert.equal(await codeOf(invoke(c, { token: 'not-the-admin-token-but-long-enough-xxxxxxxx' })), status.UNAUTHENTICATED);
      assert.equal(await codeOf(invoke(c, { token: `palyra_pst_${newId()}_${'a'.repeat(43)}` })), status.UNAUTHENTICATED);
    });
  }

  test('ExchangeToken with the admin token → a session token bound to principal and device; WhoAmI describes it', async () => {
    const exchanged = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes: ['runs:read', 'sessions:read'], ttlSeconds: 600 }, admin);
    assert.match(exchanged.sessionToken, /^palyra_pst_/);
    assert.equal(exchanged.principal, 'admin:ops');
    assert.deepEqual(exchanged.scopes, ['runs:read', 'sessions:read']);
    const me = await call(c.auth, c.auth.whoAmI, { v: 1 }, { token: exchanged.sessionToken });
    assert.equal(me.principal, 'admin:ops');
    assert.equal(me.deviceId?.ulid, admin.deviceId);
    assert.equal(me.credentialKind, 3);
    assert.equal(me.tokenId?.ulid, exchanged.tokenId?.ulid);
    assert.ok(me.expiresAtUnixMs > Date.now());
    const adminMe = await call(c.auth, c.auth.whoAmI, { v: 1 }, admin);
    assert.equal(adminMe.credentialKind, 1);
    assert.deepEqual(adminMe.scopes, ['*']);
  });

  test('a session token used with another principal or device header → PERMISSION_DENIED; outside its scopes → PERMISSION_DENIED', async () => {
    const exchanged = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes: ['runs:read'], ttlSeconds: 600 }, admin);
    const token = exchanged.sessionToken;
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token, principal: 'admin:other' }) as Promise<unknown>), status.PERMISSION_DENIED);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token, deviceId: newId() }) as Promise<unknown>), status.PERMISSION_DENIED);
    assert.equal(await codeOf(METHODS.ListSessions?.(c, { token }) as Promise<unknown>), status.PERMISSION_DENIED);
    assert.equal(await codeOf(METHODS.ListRuns?.(c, { token }) as Promise<unknown>), status.OK);
  });

  test('the admin token naming a user: principal → PERMISSION_DENIED; a malformed device id → INVALID_ARGUMENT', async () => {
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token: daemon.adminToken, principal: 'user:alice' }) as Promise<unknown>), status.PERMISSION_DENIED);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token: daemon.adminToken, deviceId: 'not-a-ulid' }) as Promise<unknown>), status.INVALID_ARGUMENT);
  });

  test('an expired session token → UNAUTHENTICATED', async () => {
    const exchanged = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes: [], ttlSeconds: 1 }, admin);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token: exchanged.sessionToken }) as Promise<unknown>), status.OK);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token: exchanged.sessionToken }) as Promise<unknown>), status.UNAUTHENTICATED);
  });

  test('RevokeToken revokes the presented session token → later calls UNAUTHENTICATED; an unknown id → NOT_FOUND; no id and no session token → FAILED_PRECONDITION', async () => {
    const exchanged = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes: [], ttlSeconds: 600 }, admin);
    const token = exchanged.sessionToken;
    const other = await callError(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: newId() } }, { token });
    assert.equal(other.code, status.NOT_FOUND);
    const revoked = await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: undefined }, { token });
    assert.equal(revoked.revoked, true);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token }) as Promise<unknown>), status.UNAUTHENTICATED);
    const adminRevoke = await callError(c.auth, c.auth.revokeToken, { v: 1, tokenId: undefined }, admin);
    assert.equal(adminRevoke.code, status.FAILED_PRECONDITION);
  });

  test('API tokens: create (secret once, hash only), list without secrets, revoke → the token and its session tokens stop working', async () => {
    const created = await call(c.auth, c.auth.createApiToken, { v: 1, name: 'ci', principal: 'user:ci', scopes: ['runs:read', 'tokens:read'], ttlSeconds: 3600 }, admin);
    assert.match(created.token, /^palyra_pat_/);
    assert.equal(created.info?.principal, 'user:ci');
    assert.ok((created.info?.expiresAtUnixMs ?? 0) > Date.now());
    const asCi = { token: created.token };
    const me = await call(c.auth, c.auth.whoAmI, { v: 1 }, asCi);
    assert.equal(me.principal, 'user:ci');
    assert.equal(me.credentialKind, 2);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token: created.token, principal: 'user:someone' }) as Promise<unknown>), status.PERMISSION_DENIED);
    const session = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes: [], ttlSeconds: 600 }, asCi);
    const listed = await call(c.auth, c.auth.listApiTokens, { v: 1, afterTokenId: '', limit: 100, includeRevoked: false }, admin);
    const row = listed.tokens.find((token) => token.tokenId?.ulid === created.info?.tokenId?.ulid);
    assert.ok(row);
    assert.ok(!JSON.stringify(listed).includes(parseToken(created.token)?.secret as string), 'no secret in the listing');
    assert.equal(await codeOf(METHODS.CreateApiToken?.(c, asCi) as Promise<unknown>), status.PERMISSION_DENIED);
    const revoked = await call(c.auth, c.auth.revokeApiToken, { v: 1, tokenId: created.info?.tokenId, reason: 'rotated' }, admin);
    assert.equal(revoked.revoked, true);
    assert.ok((revoked.info?.revokedAtUnixMs ?? 0) > 0);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, asCi) as Promise<unknown>), status.UNAUTHENTICATED);
    assert.equal(await codeOf(METHODS.WhoAmI?.(c, { token: session.sessionToken }) as Promise<unknown>), status.UNAUTHENTICATED);
  });

  test('a request with v=0 → FAILED_PRECONDITION "unsupported protocol major version"', async () => {
    const error = await callError(c.auth, c.auth.whoAmI, { v: 0 }, admin);
    assert.equal(error.code, status.FAILED_PRECONDITION);
    assert.match(error.details, /unsupported protocol major version/);
    assert.equal(error.metadata.get('palyra-error-code')[0], 'failed_precondition');
  });
});
