#!/usr/bin/env node
// Entry point of palyrad: turns V8's compile cache on, then loads the command (palyrad-command.ts), so it and the daemon are compiled through the cache.
import '../infra/runtime-check.js';
import { keepCompiledCode } from '../infra/compile-cache.js';

keepCompiledCode();
await import('./palyrad-command.js');
