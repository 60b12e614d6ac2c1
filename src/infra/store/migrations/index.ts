// The numbered migrations, in order; `PRAGMA user_version` records the last one applied.
import { sql as initial } from './001-initial.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'initial', sql: initial }];
