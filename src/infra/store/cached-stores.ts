// Write-through read caches over the session, credential and device stores, for the reads every request makes
// (device last-seen times are written behind).
//
// Correct because the daemon is the only writer (the state directory lock) and every write to these
// tables goes through the same store object, synchronously: each write updates or drops what it
// touches before it returns. Cached records are frozen, so no caller can change them in place.
import type { ConsoleSessionRecord, CredentialRecord, CredentialStore } from '../../core/auth/store.js';
import type { DeviceRecord, DeviceStore } from '../../core/devices/store.js';
import type { SessionListFilter, SessionRecord, SessionStore } from '../../core/sessions/store.js';
import { ReadCache } from './read-cache.js';
import type { WriteBatcher } from './write-batcher.js';

/** Entries kept per cache: a few hundred live credentials or owners is a busy daemon. */
const CAPACITY = 1024;

/** Session records held in cached pages at most (a few MiB); beyond it the cache starts over. */
const MAX_CACHED_SESSIONS = 10_000;

/**
 * First pages of session lists by filter (what a console polls; later pages are read from the
 * database); every session write drops them all (writes are rare next to polling).
 */
export function cacheSessionStore(inner: SessionStore): SessionStore {
  const pages = new ReadCache<string, readonly SessionRecord[]>(CAPACITY);
  // Counts records added since the last clear; entries the cache evicted on its own still count, so it errs towards clearing.
  let cachedRecords = 0;
  const clear = () => {
    pages.clear();
    cachedRecords = 0;
  };
  const written = <A extends unknown[]>(write: (...args: A) => void) => (...args: A) => {
    try {
      write(...args);
    } finally {
      clear();
    }
  };
  return {
    ...inner,
    listSessions: (filter: SessionListFilter) => {
      if (filter.afterSessionId) return inner.listSessions(filter);
      const key = pageKey(filter);
      let page = pages.get(key);
      if (!page) {
        page = Object.freeze(inner.listSessions(filter).map((session) => Object.freeze(session)));
        if (cachedRecords + page.length > MAX_CACHED_SESSIONS) clear();
        pages.set(key, page);
        cachedRecords += page.length;
      }
      return page as SessionRecord[];
    },
    insertSession: written(inner.insertSession),
    archiveSession: written(inner.archiveSession),
    touchSession: written(inner.touchSession),
  };
}

function pageKey(filter: SessionListFilter): string {
  const owner = filter.owner ? [filter.owner.principal, filter.owner.deviceId, filter.owner.channel] : null;
  return JSON.stringify([owner, filter.query ?? null, filter.includeArchived, filter.limit]);
}

/**
 * Credentials by token id and console sessions by token hash (found ones only: an unknown token always
 * reaches the database). Revoking drops every cached credential, because a revocation also revokes the
 * tokens minted from the revoked one. Console sessions are written by id but cached by hash, so touching
 * or revoking one drops them all (a touch comes at most every 30 s per session; each re-read is one row).
 */
export function cacheCredentialStore(inner: CredentialStore): CredentialStore {
  const credentials = new ReadCache<string, CredentialRecord>(CAPACITY);
  const consoleSessions = new ReadCache<string, ConsoleSessionRecord>(CAPACITY);
  return {
    ...inner,
    getCredential: (tokenId) => {
      const cached = credentials.get(tokenId);
      if (cached) return cached;
      const record = inner.getCredential(tokenId);
      if (!record) return undefined;
      const frozen = freezeCredential(record);
      credentials.set(tokenId, frozen);
      return frozen;
    },
    revokeCredential: (tokenId, atMs) => {
      try {
        return inner.revokeCredential(tokenId, atMs);
      } finally {
        credentials.clear();
      }
    },
    touchCredential: (tokenId, atMs) => {
      credentials.delete(tokenId);
      inner.touchCredential(tokenId, atMs);
    },
    getConsoleSessionByTokenHash: (tokenHash) => {
      const cached = consoleSessions.get(tokenHash);
      if (cached) return cached;
      const record = inner.getConsoleSessionByTokenHash(tokenHash);
      if (!record) return undefined;
      const frozen = Object.freeze(record);
      consoleSessions.set(tokenHash, frozen);
      return frozen;
    },
    touchConsoleSession: (sessionId, atMs) => {
      consoleSessions.clear();
      inner.touchConsoleSession(sessionId, atMs);
    },
    revokeConsoleSession: (sessionId, atMs) => {
      consoleSessions.clear();
      inner.revokeConsoleSession(sessionId, atMs);
    },
  };
}

/** Device records the cache holds at most: a fleet of a few thousand nodes (each record ~1 KiB). */
const MAX_CACHED_DEVICES = 8_192;

/**
 * How long a last-seen time may wait in memory. Every heartbeat and task result touches it; written
 * one by one that was a SQLite commit per heartbeat (≈ 7 % of the daemon's CPU with 1,000 idle nodes).
 * A crash loses at most this much of last-seen, which no caller was ever promised.
 */
export const SEEN_WRITE_BEHIND_MS = 5_000;

export interface CachedDeviceStore extends DeviceStore {
  /** Queues every waiting last-seen time on the batcher now (at shutdown, before the batcher closes). */
  flushSeen(): void;
}

/**
 * Device records by id (found ones only): every call from a node and every invoke reads its device
 * record several times (certificate check, revocation, capabilities). An update replaces the cached
 * record with the patch applied; a revocation or a new pairing drops it. Last-seen times are written
 * behind: reads (cached or not, lists too) see them at once, and all that waited commit together in
 * one of `batcher`'s transactions at most `writeBehindMs` later.
 */
export function cacheDeviceStore(inner: DeviceStore, batcher: WriteBatcher, writeBehindMs = SEEN_WRITE_BEHIND_MS): CachedDeviceStore {
  const devices = new ReadCache<string, DeviceRecord>(MAX_CACHED_DEVICES);
  /** Last-seen times not yet committed, by device. */
  const seen = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  const withSeen = (record: DeviceRecord): DeviceRecord => {
    const lastSeenMs = seen.get(record.deviceId);
    return lastSeenMs !== undefined && (record.lastSeenMs ?? 0) < lastSeenMs ? { ...record, lastSeenMs } : record;
  };
  const flushSeen = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (seen.size === 0) return;
    const batch = [...seen];
    // An entry leaves the map once committed, unless a newer touch replaced it meanwhile; a failed
    // commit keeps them all for the next flush (the next touch schedules it).
    batcher
      .enqueue(() => {
        for (const [deviceId, lastSeenMs] of batch) inner.touchDevice(deviceId, lastSeenMs);
      })
      .then(
        () => {
          for (const [deviceId, lastSeenMs] of batch) if (seen.get(deviceId) === lastSeenMs) seen.delete(deviceId);
        },
        () => undefined,
      );
  };
  return {
    ...inner,
    getDevice: (deviceId) => {
      const cached = devices.get(deviceId);
      if (cached) return cached;
      const record = inner.getDevice(deviceId);
      if (!record) return undefined;
      const frozen = freezeDevice(withSeen(record));
      devices.set(deviceId, frozen);
      return frozen;
    },
    listDevices: (filter) => inner.listDevices(filter).map(withSeen),
    updateDevice: (deviceId, patch) => {
      const cached = devices.get(deviceId);
      devices.delete(deviceId);
      inner.updateDevice(deviceId, patch);
      // A renewal or a registration: the cached row with the patch applied spares the next call a read.
      if (cached) devices.set(deviceId, freezeDevice({ ...cached, ...definedFields(patch) }));
    },
    touchDevice: (deviceId, lastSeenMs) => {
      seen.set(deviceId, lastSeenMs);
      const cached = devices.get(deviceId);
      if (cached) devices.set(deviceId, freezeDevice({ ...cached, lastSeenMs }));
      timer ??= setTimeout(flushSeen, writeBehindMs).unref();
    },
    revokeDevice: (deviceId, atMs, by, reason) => {
      devices.delete(deviceId);
      return inner.revokeDevice(deviceId, atMs, by, reason);
    },
    approveRequest: (pairingId, patch, device) => {
      devices.delete(device.deviceId);
      return inner.approveRequest(pairingId, patch, device);
    },
    flushSeen,
  };
}

/** The fields a patch sets (an `undefined` leaves the column as it is, as in the SQL update). */
function definedFields<T extends object>(patch: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function freezeDevice(record: DeviceRecord): DeviceRecord {
  for (const capability of record.capabilities) Object.freeze(capability);
  Object.freeze(record.capabilities);
  Object.freeze(record.previousCerts);
  return Object.freeze(record);
}

function freezeCredential(record: CredentialRecord): CredentialRecord {
  Object.freeze(record.scopes);
  return Object.freeze(record);
}
