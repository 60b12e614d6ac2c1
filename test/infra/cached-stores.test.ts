// The write-through read caches over the SQLite session, credential and device stores: every write is seen by the next read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConsoleSessionRecord, CredentialRecord } from '../../src/core/auth/store.js';
import type { DeviceStore } from '../../src/core/devices/store.js';
import type { CoreDeps } from '../../src/core/index.js';
import { newId } from '../../src/core/ids.js';
import type { SessionRecord } from '../../src/core/sessions/store.js';
import { type Db, openDb } from '../../src/infra/store/db.js';
import { cacheDeviceStore } from '../../src/infra/store/cached-stores.js';
import { createDeviceStore } from '../../src/infra/store/device-store.js';
import { ReadCache } from '../../src/infra/store/read-cache.js';
import { createSqliteStores } from '../../src/infra/store/sqlite-stores.js';
import { WriteBatcher } from '../../src/infra/store/write-batcher.js';
import { createNodeFixture, type NodeFixture } from '../helpers/node-fixture.js';

const OWNER = { principal: 'user:cache', deviceId: newId(), channel: null };

function session(label: string): SessionRecord {
  const sessionId = newId();
  return { sessionId, sessionKey: `session:${sessionId}`, label, ...OWNER, createdAtMs: 1, updatedAtMs: 1, archivedAtMs: null, lastRunId: null };
}

function credential(parentId: string | null): CredentialRecord {
  return {
    tokenId: newId(),
    kind: parentId ? 'session' : 'api',
    name: 'cache test',
    secretHash: 'a'.repeat(64),
    principal: 'user:cache',
    deviceId: null,
    channel: null,
    scopes: ['runs.read'],
    createdBy: 'admin:test',
    parentId,
    createdAtMs: 1,
    expiresAtMs: null,
    revokedAtMs: null,
    lastUsedMs: null,
  };
}

describe('cached stores', () => {
  let dir: string;
  let db: Db;
  let batcher: WriteBatcher;
  let stores: CoreDeps['stores'];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'palyra-cache-'));
    db = openDb(join(dir, 'palyra.sqlite3'));
    batcher = new WriteBatcher(db);
    stores = createSqliteStores(db, batcher);
  });
  after(() => {
    batcher.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a session page reflects every insert, touch and archive made after it was cached', () => {
    const filter = { owner: OWNER, includeArchived: false, limit: 10 };
    const first = session('first');
    stores.sessions.insertSession(first);
    assert.deepEqual(stores.sessions.listSessions(filter).map((s) => s.label), ['first']);
    assert.strictEqual(stores.sessions.listSessions(filter), stores.sessions.listSessions(filter), 'the second read is served from the cache');

    const second = session('second');
    stores.sessions.insertSession(second);
    assert.deepEqual(stores.sessions.listSessions(filter).map((s) => s.label), ['first', 'second']);

    const runId = newId();
    stores.sessions.touchSession(first.sessionId, runId, 50);
    assert.equal(stores.sessions.listSessions(filter)[0]?.lastRunId, runId);

    stores.sessions.archiveSession(second.sessionId, `archived:${second.sessionId}`, 60);
    assert.deepEqual(stores.sessions.listSessions(filter).map((s) => s.label), ['first']);
    assert.deepEqual(stores.sessions.listSessions({ ...filter, includeArchived: true }).map((s) => s.label), ['first', 'second']);
  });

  test('only first pages are cached: a page after a cursor is read fresh each time', () => {
    const filter = { owner: OWNER, includeArchived: true, limit: 1 };
    const [first] = stores.sessions.listSessions(filter);
    assert.ok(first);
    const after = { ...filter, afterSessionId: first.sessionId };
    assert.notStrictEqual(stores.sessions.listSessions(after), stores.sessions.listSessions(after));
    assert.strictEqual(stores.sessions.listSessions(filter), stores.sessions.listSessions(filter));
  });

  test('cached session records are frozen: a caller cannot change what the next caller reads', () => {
    const [cached] = stores.sessions.listSessions({ owner: OWNER, includeArchived: false, limit: 1 });
    assert.ok(cached);
    assert.throws(() => {
      (cached as { label: string | null }).label = 'changed';
    }, TypeError);
  });

  test('revoking a token also shows its children revoked on the next read (the whole credential cache drops)', () => {
    const parent = credential(null);
    const child = credential(parent.tokenId);
    stores.credentials.insertCredential(parent);
    stores.credentials.insertCredential(child);
    assert.equal(stores.credentials.getCredential(child.tokenId)?.revokedAtMs, null);
    assert.equal(stores.credentials.revokeCredential(parent.tokenId, 99), 2);
    assert.equal(stores.credentials.getCredential(parent.tokenId)?.revokedAtMs, 99);
    assert.equal(stores.credentials.getCredential(child.tokenId)?.revokedAtMs, 99);
    assert.ok(Object.isFrozen(stores.credentials.getCredential(child.tokenId)?.scopes));
  });

  test('touching a token is seen by the next read; an unknown token is looked up every time, never cached', () => {
    const token = credential(null);
    stores.credentials.insertCredential(token);
    assert.equal(stores.credentials.getCredential(token.tokenId)?.lastUsedMs, null);
    stores.credentials.touchCredential(token.tokenId, 1234);
    assert.equal(stores.credentials.getCredential(token.tokenId)?.lastUsedMs, 1234);

    const later = credential(null);
    assert.equal(stores.credentials.getCredential(later.tokenId), undefined);
    stores.credentials.insertCredential(later);
    assert.equal(stores.credentials.getCredential(later.tokenId)?.tokenId, later.tokenId);
  });

  test('a console session read after touch or revoke shows the new last-seen time and the revocation', () => {
    const record: ConsoleSessionRecord = {
      sessionId: newId(),
      tokenHash: 'b'.repeat(64),
      csrfHash: 'c'.repeat(64),
      ...OWNER,
      createdAtMs: 10,
      lastSeenMs: 10,
      expiresAtMs: 10_000,
      revokedAtMs: null,
    };
    stores.credentials.insertConsoleSession(record);
    assert.equal(stores.credentials.getConsoleSessionByTokenHash(record.tokenHash)?.lastSeenMs, 10);
    stores.credentials.touchConsoleSession(record.sessionId, 20);
    assert.equal(stores.credentials.getConsoleSessionByTokenHash(record.tokenHash)?.lastSeenMs, 20);
    stores.credentials.revokeConsoleSession(record.sessionId, 30);
    assert.equal(stores.credentials.getConsoleSessionByTokenHash(record.tokenHash)?.revokedAtMs, 30);
  });
});

describe('ReadCache', () => {
  test('holds at most its capacity; the entry cached first is dropped first; delete and clear empty it', () => {
    const cache = new ReadCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    assert.equal(cache.size, 2, 'replacing a key does not evict');
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('b'), 2);
    assert.equal(cache.get('c'), 3);
    cache.delete('b');
    assert.equal(cache.get('b'), undefined);
    cache.clear();
    assert.equal(cache.size, 0);
  });
});

/** A fixture with one paired node, its device id and the uncached SQLite device store; closed afterwards. */
async function withPairedDevice(run: (paired: { fixture: NodeFixture; id: string; inner: DeviceStore }) => Promise<void> | void): Promise<void> {
  const fixture = await createNodeFixture();
  try {
    const { identity } = await fixture.pairNode([{ name: 'echo', available: true }]);
    await run({ fixture, id: identity.deviceId, inner: createDeviceStore(fixture.db) });
  } finally {
    await fixture.close();
  }
}

describe('cached device store', () => {
  test('a last-seen or capability update → the next read is the patched row without reading the database, and equals a fresh read; a revoke is seen at once', () =>
    withPairedDevice(({ fixture, id, inner }) => {
      let reads = 0;
      const devices = cacheDeviceStore({ ...inner, getDevice: (deviceId) => ((reads += 1), inner.getDevice(deviceId)) }, new WriteBatcher(fixture.db));
      assert.equal(devices.getDevice(id)?.deviceId, id);
      assert.equal(reads, 1);

      devices.updateDevice(id, { lastSeenMs: 1_234, platform: undefined });
      const seen = devices.getDevice(id);
      assert.equal(reads, 1, 'served from the cache');
      assert.deepEqual(seen, inner.getDevice(id));
      assert.equal(seen?.lastSeenMs, 1_234);
      assert.equal(seen?.platform, 'linux-x86_64', 'an undefined field leaves the value');
      assert.ok(Object.isFrozen(seen));

      devices.updateDevice(id, { capabilities: [{ name: 'echo', available: false }, { name: 'shell', available: true }] });
      assert.deepEqual(devices.getDevice(id), inner.getDevice(id));
      assert.equal(reads, 1);

      devices.revokeDevice(id, 5_000, 'admin:test', 'lost');
      assert.equal(devices.getDevice(id)?.revokedAtMs, 5_000);
      assert.equal(reads, 2, 'a revoke drops the cached row');
    }));

  test('last-seen is written behind: reads and lists see a touch at once; the database gets the latest one per device in one commit; it never moves back', () =>
    withPairedDevice(({ fixture, id, inner }) => {
      const registeredSeen = inner.getDevice(id)?.lastSeenMs ?? 0;
      let written = 0;
      const batcher = new WriteBatcher(fixture.db);
      const devices = cacheDeviceStore({ ...inner, touchDevice: (deviceId, atMs) => ((written += 1), inner.touchDevice(deviceId, atMs)) }, batcher, 60_000);

      // Touched before it was ever read: the database row is older, the read is not.
      for (let i = 1; i <= 100; i += 1) devices.touchDevice(id, registeredSeen + i);
      assert.equal(devices.getDevice(id)?.lastSeenMs, registeredSeen + 100);
      assert.equal(devices.listDevices({ limit: 10, includeRevoked: false }).find((d) => d.deviceId === id)?.lastSeenMs, registeredSeen + 100);
      assert.equal(inner.getDevice(id)?.lastSeenMs, registeredSeen, 'nothing written yet');
      assert.equal(written, 0);

      devices.flushSeen();
      assert.equal(inner.getDevice(id)?.lastSeenMs, registeredSeen, 'queued on the batcher, not yet committed');
      batcher.flush();
      assert.equal(inner.getDevice(id)?.lastSeenMs, registeredSeen + 100);
      assert.equal(written, 1, 'one write for 100 touches');

      // A newer direct write (registration) is not undone by an older touch committed after it.
      devices.touchDevice(id, registeredSeen + 150);
      devices.updateDevice(id, { lastSeenMs: registeredSeen + 200 });
      devices.flushSeen();
      batcher.flush();
      assert.equal(inner.getDevice(id)?.lastSeenMs, registeredSeen + 200);
      assert.equal(devices.getDevice(id)?.lastSeenMs, registeredSeen + 200);
      batcher.close();
    }));

  test('a touch commits by itself after the write-behind delay', () =>
    withPairedDevice(async ({ fixture, id, inner }) => {
      const batcher = new WriteBatcher(fixture.db);
      const devices = cacheDeviceStore(inner, batcher, 50);
      devices.touchDevice(id, 9_999_999_999_999);
      assert.notEqual(inner.getDevice(id)?.lastSeenMs, 9_999_999_999_999);
      const deadline = Date.now() + 5_000;
      while (inner.getDevice(id)?.lastSeenMs !== 9_999_999_999_999 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(inner.getDevice(id)?.lastSeenMs, 9_999_999_999_999);
      batcher.close();
    }));
});
