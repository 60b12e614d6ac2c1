// `palyra journal verify`: checks the journal's hash chain offline (read-only database) or, with --remote, in the daemon.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { verifyChain, type ChainVerdict } from '../../core/journal/hash-chain.js';
import { DB_FILE_NAME, openDb } from '../../infra/store/db.js';
import { SqliteJournalStore } from '../../infra/store/journal-store.js';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { EXIT_CODES } from '../output.js';

/** Exit codes of `journal verify`. */
export const VERIFY_EXIT = { ok: EXIT_CODES.ok, broken: EXIT_CODES.failure, unavailable: EXIT_CODES.unavailable } as const;

type VerifyOptions = {
  stateDir?: string;
  json?: boolean;
  remote?: boolean;
};

type WireVerdict = { ok: true; count: number; head: string | null } | { ok: false; count: number; broken_at_seq: number; reason: string };

/** Adds `journal verify [--state-dir D | --remote] [--json]` to `program`. */
export function registerJournalCommands(program: Command): void {
  const journal = program.command('journal');
  journal
    .command('verify')
    .description('check every hash-chain link of the journal (offline, read-only; --remote asks the running daemon)')
    .option('--state-dir <dir>', 'state directory (default: $PALYRA_STATE_DIR or ./.palyra)')
    .option('--remote', 'verify in the running daemon over its admin API (--url, --token)')
    .option('--json', 'print the result as JSON')
    .action(async (_options: VerifyOptions, command: Command) => {
      const options = command.optsWithGlobals<VerifyOptions>();
      process.exitCode = options.remote ? await runRemoteVerify(command, options) : runVerify(options);
    });
}

function runVerify(options: VerifyOptions): number {
  // An empty variable counts as unset, as in most shells' `${VAR:-default}`.
  const stateDir = resolve(options.stateDir || process.env.PALYRA_STATE_DIR || '.palyra');
  const path = join(stateDir, DB_FILE_NAME);
  if (!existsSync(path)) return unavailable(options, path, `no database at ${path} (is --state-dir right?)`);
  let verdict: ChainVerdict;
  try {
    const db = openDb(path, { readonly: true });
    try {
      verdict = verifyChain(new SqliteJournalStore(db).iterate());
    } finally {
      db.close();
    }
  } catch (error) {
    return unavailable(options, path, `cannot read the journal in ${path}: ${(error as Error).message}`);
  }
  if (options.json) {
    const body = verdict.ok
      ? { ok: true, count: verdict.count, head: verdict.head }
      : { ok: false, count: verdict.count, broken_at_seq: verdict.brokenAtSeq, reason: verdict.reason };
    process.stdout.write(`${JSON.stringify({ db_path: path, ...body })}\n`);
  } else if (verdict.ok) {
    process.stdout.write(`ok ${verdict.count} events, head ${verdict.head ?? '(empty)'}\n`);
  } else {
    process.stdout.write(`broken at seq ${verdict.brokenAtSeq}: ${verdict.reason}\n`);
  }
  return verdict.ok ? VERIFY_EXIT.ok : VERIFY_EXIT.broken;
}

async function runRemoteVerify(command: Command, options: VerifyOptions): Promise<number> {
  const global = readGlobalOptions(command);
  const verdict = await adminClient(global).get<WireVerdict>('/admin/v1/journal/verify');
  if (options.json) process.stdout.write(`${JSON.stringify({ url: global.url, ...verdict })}\n`);
  else if (verdict.ok) process.stdout.write(`ok ${verdict.count} events, head ${verdict.head ?? '(empty)'}\n`);
  else process.stdout.write(`broken at seq ${verdict.broken_at_seq}: ${verdict.reason}\n`);
  return verdict.ok ? VERIFY_EXIT.ok : VERIFY_EXIT.broken;
}

function unavailable(options: VerifyOptions, path: string, message: string): number {
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: false, db_path: path, error: 'unavailable', message })}\n`);
  } else {
    process.stderr.write(`palyra: ${message}\n`);
  }
  return VERIFY_EXIT.unavailable;
}
