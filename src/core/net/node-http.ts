// node:http and node:https, required rather than imported: an ES import of node:http reads every export, and its WebSocket getter loads undici (~30 ms of palyrad's start, and its heap) that nothing here uses.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export const http = requireBuiltin('node:http') as typeof import('node:http');
export const https = requireBuiltin('node:https') as typeof import('node:https');
