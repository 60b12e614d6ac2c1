// /admin/v1/session-tokens: operators list live session tokens (metadata only) and revoke a leaked one by id.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, type Clients, connect } from '../helpers/grpc-client.js';
import { parseToken } from '../../src/core/auth/secrets.js';

interface SessionTokenWire {
  token_id: string;
  principal: string;
  device_id: string;
  scopes: string[];
  parent_token_id: string | null;
  expires_at_unix_ms: number;
}

describe('/admin/v1/session-tokens', () => {
  let daemon: TestDaemon;
  let c: Clients;
  let aliceApiToken: string;
  const deviceId = newId();

  const get = (path: string, token = daemon.adminToken) => fetch(`${daemon.ready.http}${path}`, { headers: { authorization: `Bearer ${token}`, 'x-palyra-device-id': deviceId } });
  const post = (path: string, token = daemon.adminToken) =>
    fetch(`${daemon.ready.http}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-palyra-device-id': deviceId }, body: '{}' });

  async function apiToken(principal: string, scopes: string[]): Promise<string> {
    const response = await daemon.admin('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: principal, principal, scopes }) });
    return ((await response.json()) as { token: string }).token;
  }

  /** A session token of alice, exchanged over gRPC (the one door that mints them). */
  async function aliceSession(): Promise<{ token: string; tokenId: string }> {
    const issued = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes: [], ttlSeconds: 600 }, { token: aliceApiToken, deviceId });
    return { token: issued.sessionToken, tokenId: issued.tokenId?.ulid as string };
  }

  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    c = connect(daemon.ready.grpc);
    aliceApiToken = await apiToken('user:alice', ['*']);
  });
  after(async () => {
    c.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('GET with the admin token → every live session token as metadata, never its secret', async () => {
    const session = await aliceSession();
    const response = await get('/admin/v1/session-tokens');
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes(parseToken(session.token)?.secret as string), 'no secret in the listing');
    const body = JSON.parse(text) as { tokens: SessionTokenWire[]; next_after_token_id: string | null };
    const row = body.tokens.find((token) => token.token_id === session.tokenId);
    assert.ok(row);
    assert.deepEqual([row.principal, row.device_id, row.scopes], ['user:alice', deviceId, ['*']]);
    assert.ok(row.parent_token_id);
    assert.equal(body.next_after_token_id, null);
    assert.deepEqual(Object.keys(row).sort(), ['channel', 'created_at_unix_ms', 'created_by', 'device_id', 'expires_at_unix_ms', 'last_used_at_unix_ms', 'parent_token_id', 'principal', 'scopes', 'token_id']);
  });

  test('POST :id/revoke with the admin token → revoked; the leaked token gets 401 at once and leaves the listing', async () => {
    const leaked = await aliceSession();
    assert.equal((await get('/admin/v1/status', leaked.token)).status, 200);
    const response = await post(`/admin/v1/session-tokens/${leaked.tokenId}/revoke`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { token_id: leaked.tokenId, revoked: true });
    assert.equal((await get('/admin/v1/status', leaked.token)).status, 401);
    const listed = (await (await get('/admin/v1/session-tokens?principal=user:alice')).json()) as { tokens: SessionTokenWire[] };
    assert.ok(!listed.tokens.some((token) => token.token_id === leaked.tokenId));
  });

  test("a user's token → only its own; another user's token id → 404 like an unknown id; without tokens:read / tokens:write → 403", async () => {
    const own = await aliceSession();
    const bob = await apiToken('user:bob', ['*']);
    const bobs = (await (await get('/admin/v1/session-tokens?principal=user:alice', bob)).json()) as { tokens: SessionTokenWire[] };
    assert.deepEqual(bobs.tokens, []);
    const foreign = await post(`/admin/v1/session-tokens/${own.tokenId}/revoke`, bob);
    assert.equal(foreign.status, 404);
    assert.equal(((await foreign.json()) as { error: string }).error, `session token not found: ${own.tokenId}`);
    const reader = await apiToken('user:alice', ['runs:read']);
    assert.equal((await get('/admin/v1/session-tokens', reader)).status, 403);
    assert.equal((await post(`/admin/v1/session-tokens/${own.tokenId}/revoke`, reader)).status, 403);
    assert.equal((await get('/admin/v1/status', own.token)).status, 200);
  });
});
