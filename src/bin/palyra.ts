#!/usr/bin/env node
// Entry point of the `palyra` CLI.
import '../infra/runtime-check.js';
import { main } from '../cli/main.js';

// A reader that goes away (`palyra run --json … | head -3`) ends the command quietly, like other Unix tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
