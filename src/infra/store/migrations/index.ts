// The numbered migrations, in order; `PRAGMA user_version` records the last one applied.
import { sql as initial } from './001-initial.js';
import { sql as credentials } from './002-credentials.js';
import { sql as nodes } from './003-nodes.js';
import { sql as canvases } from './004-canvases.js';
import { sql as browserArtifacts } from './005-browser-artifacts.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'credentials', sql: credentials },
  { version: 3, name: 'nodes', sql: nodes },
  { version: 4, name: 'canvases', sql: canvases },
  { version: 5, name: 'browser-artifacts', sql: browserArtifacts },
];
