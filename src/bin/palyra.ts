#!/usr/bin/env node
// Entry point of the `palyra` CLI.
import '../infra/runtime-check.js';
import { main } from '../cli/main.js';

process.exitCode = await main(process.argv);
