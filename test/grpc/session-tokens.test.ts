// Session tokens over gRPC: RevokeToken by id (the caller's own; an admin's any) and ListSessionTokens (live only, no secrets).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, callError, type Clients, connect, type Identity } from '../helpers/grpc-client.js';
import { parseToken } from '../../src/core/auth/secrets.js';

describe('AuthService session tokens', () => {
  let daemon: TestDaemon;
  let c: Clients;
  let admin: Identity;
  let alice: Identity;
  let bob: Identity;

  /** A session token exchanged from `parent`, and its id. */
  async function exchange(parent: Identity, scopes: string[] = []): Promise<{ identity: Identity; tokenId: string; secret: string }> {
    const issued = await call(c.auth, c.auth.exchangeToken, { v: 1, scopes, ttlSeconds: 600 }, parent);
    return { identity: { token: issued.sessionToken, deviceId: parent.deviceId }, tokenId: issued.tokenId?.ulid as string, secret: parseToken(issued.sessionToken)?.secret as string };
  }

  const works = async (identity: Identity) => {
    try {
      await call(c.auth, c.auth.whoAmI, { v: 1 }, identity);
      return true;
    } catch (error) {
      assert.equal((error as { code: number }).code, status.UNAUTHENTICATED);
      return false;
    }
  };

  before(async () => {
    daemon = await startDaemon();
    c = connect(daemon.ready.grpc);
    admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
    const mint = async (principal: string) => (await call(c.auth, c.auth.createApiToken, { v: 1, name: principal, principal, scopes: ['*'], ttlSeconds: 0 }, admin)).token;
    alice = { token: await mint('user:alice'), deviceId: newId() };
    bob = { token: await mint('user:bob'), deviceId: newId() };
  });
  after(async () => {
    c.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test("the admin token revokes a user's leaked session token by id → revoked, the token stops working", async () => {
    const leaked = await exchange(alice);
    assert.equal(await works(leaked.identity), true);
    const revoked = await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: leaked.tokenId } }, admin);
    assert.deepEqual([revoked.tokenId?.ulid, revoked.revoked], [leaked.tokenId, true]);
    assert.equal(await works(leaked.identity), false);
    const again = await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: leaked.tokenId } }, admin);
    assert.equal(again.revoked, false);
  });

  test("a user revokes another of its own session tokens by id; another user's id → NOT_FOUND, like an unknown id", async () => {
    const laptop = await exchange(alice);
    const phone = await exchange(alice);
    assert.equal((await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: phone.tokenId } }, laptop.identity)).revoked, true);
    assert.equal(await works(phone.identity), false);
    assert.equal(await works(laptop.identity), true);
    const foreign = await callError(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: laptop.tokenId } }, bob);
    const unknownId = newId();
    const unknown = await callError(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: unknownId } }, bob);
    assert.equal(foreign.code, status.NOT_FOUND);
    assert.equal(foreign.details.replace(laptop.tokenId, '<id>'), unknown.details.replace(unknownId, '<id>'));
    assert.equal(await works(laptop.identity), true);
  });

  test('revoking by id needs tokens:write; revoking the presented token needs no scope', async () => {
    const narrow = await exchange(alice, ['runs:read']);
    const target = await exchange(alice);
    assert.equal((await callError(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: target.tokenId } }, narrow.identity)).code, status.PERMISSION_DENIED);
    assert.equal((await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: narrow.tokenId } }, narrow.identity)).revoked, true);
    assert.equal(await works(narrow.identity), false);
  });

  test('revoking a session token revokes every token exchanged from it, however deep the chain', async () => {
    const chain = [await exchange(alice)];
    for (let depth = 1; depth < 4; depth += 1) chain.push(await exchange(chain[depth - 1]?.identity as Identity));
    await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: { ulid: chain[0]?.tokenId as string } }, admin);
    assert.deepEqual(await Promise.all(chain.map((link) => works(link.identity))), [false, false, false, false]);
  });

  test('ListSessionTokens → live tokens only, the caller\'s own (all for admin, or one principal), metadata without secrets', async () => {
    const live = await exchange(bob, ['runs:read']);
    const dead = await exchange(bob);
    await call(c.auth, c.auth.revokeToken, { v: 1, tokenId: undefined }, dead.identity);
    const mine = await call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: '', limit: 0, principal: '' }, bob);
    assert.deepEqual(mine.tokens.map((token) => token.tokenId?.ulid), [live.tokenId]);
    const row = mine.tokens[0];
    assert.equal(row?.principal, 'user:bob');
    assert.equal(row?.deviceId?.ulid, bob.deviceId);
    assert.deepEqual(row?.scopes, ['runs:read']);
    assert.ok((row?.expiresAtUnixMs ?? 0) > Date.now());
    assert.ok(row?.parentTokenId?.ulid, 'exchanged from an API token');
    const everyone = await call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: '', limit: 500, principal: '' }, admin);
    assert.ok(everyone.tokens.some((token) => token.principal === 'user:alice'));
    assert.ok(!JSON.stringify(everyone).includes(live.secret), 'no secret in the listing');
    const bobs = await call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: '', limit: 500, principal: 'user:bob' }, admin);
    assert.deepEqual(bobs.tokens.map((token) => token.tokenId?.ulid), [live.tokenId]);
    // Non-admins always see only their own, whatever principal they name.
    const named = await call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: '', limit: 500, principal: 'user:alice' }, bob);
    assert.deepEqual(named.tokens.map((token) => token.tokenId?.ulid), [live.tokenId]);
  });

  test('ListSessionTokens pages by token id with next_after_token_id', async () => {
    const carol = { token: (await call(c.auth, c.auth.createApiToken, { v: 1, name: 'carol', principal: 'user:carol', scopes: ['*'], ttlSeconds: 0 }, admin)).token, deviceId: newId() };
    const ids = [(await exchange(carol)).tokenId, (await exchange(carol)).tokenId, (await exchange(carol)).tokenId].sort();
    const first = await call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: '', limit: 2, principal: '' }, carol);
    const second = await call(c.auth, c.auth.listSessionTokens, { v: 1, afterTokenId: first.nextAfterTokenId, limit: 2, principal: '' }, carol);
    assert.deepEqual([...first.tokens, ...second.tokens].map((token) => token.tokenId?.ulid), ids);
    assert.equal(second.nextAfterTokenId, '');
  });

  test('RevokeApiToken on a session token id → NOT_FOUND (session tokens are revoked with RevokeToken)', async () => {
    const session = await exchange(alice);
    assert.equal((await callError(c.auth, c.auth.revokeApiToken, { v: 1, tokenId: { ulid: session.tokenId }, reason: '' }, admin)).code, status.NOT_FOUND);
    assert.equal(await works(session.identity), true);
  });
});
