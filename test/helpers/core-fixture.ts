// Builds a real core over a real SQLite file in a temp dir, for core-level tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type CallContext } from '../../src/core/context.js';
import { type Core, createCore, type CoreDeps } from '../../src/core/index.js';
import { createBuiltinTools } from '../../src/core/tools/builtin/index.js';
import { newId } from '../../src/core/ids.js';
import { DB_FILE_NAME, type Db, openDb } from '../../src/infra/store/db.js';
import { createSqliteStores } from '../../src/infra/store/sqlite-stores.js';
import { WriteBatcher } from '../../src/infra/store/write-batcher.js';
import { createBuiltinModel } from '../../src/infra/models/builtin-model.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface CoreFixture {
  core: Core;
  db: Db;
  dir: string;
  admin: CallContext;
  user(name: string, deviceId?: string): CallContext;
  close(): Promise<void>;
}

export function createCoreFixture(overrides: Partial<CoreDeps> = {}): CoreFixture {
  const dir = mkdtempSync(join(tmpdir(), 'palyra-core-'));
  const db = openDb(join(dir, DB_FILE_NAME));
  const batcher = new WriteBatcher(db);
  const core = createCore({
    stores: createSqliteStores(db, batcher),
    model: createBuiltinModel(),
    tools: createBuiltinTools({ httpFetch: { allowPrivateNetworks: false, allowedHosts: [], maxBytes: 1 << 20 }, process: { allowedCommands: [] } }),
    adminToken: TEST_ADMIN_TOKEN,
    ...overrides,
  });
  const admin = createContext({ principal: 'admin:test', deviceId: newId(), scopes: ['*'], credential: 'admin_token' });
  return {
    core,
    db,
    dir,
    admin,
    user: (name, deviceId = newId()) => createContext({ principal: `user:${name}`, deviceId, scopes: ['*'], credential: 'api_token' }),
    async close() {
      await core.shutdown();
      batcher.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
