#!/usr/bin/env node
// Entry point of palyrad: sets the Buffer pool size, turns V8's compile cache on, then loads the command (palyrad-command.ts), so it and the daemon are compiled through the cache.
import '../infra/runtime-check.js';
import { useDaemonBufferPool } from '../infra/buffer-pool.js';
import { keepCompiledCode } from '../infra/compile-cache.js';

useDaemonBufferPool();
keepCompiledCode();
await import('./palyrad-command.js');
