// `palyra runs get|tape|cancel <run-id>` over the admin HTTP API.
import { type Command, InvalidArgumentError } from 'commander';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput } from '../output.js';
import { humanAgo, humanDuration } from '../style.js';

interface RunBody {
  run_id: string;
  session_id: string;
  principal: string;
  state: string;
  model: string;
  created_at_unix_ms: number;
  updated_at_unix_ms: number;
  finished_at_unix_ms: number | null;
  last_error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
}

interface TapeBody {
  run_id: string;
  next_after_seq: number;
  events: { seq: number; event_type: string; payload: Record<string, unknown> }[];
}

function runId(value: string): string {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(value)) throw new InvalidArgumentError('expected a run id (a 26-character ULID)');
  return value;
}

function integer(min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return parsed;
  };
}

/** A run for people: times as ISO with their age, the duration once finished; the rest as the API has it. */
function humanRun(run: RunBody): Record<string, unknown> {
  const { created_at_unix_ms: created, updated_at_unix_ms: updated, finished_at_unix_ms: finished, ...rest } = run;
  const at = (unixMs: number) => `${new Date(unixMs).toISOString()} (${humanAgo(unixMs)})`;
  return { ...rest, created: at(created), updated: at(updated), finished: finished === null ? '-' : at(finished), duration: finished === null ? '-' : humanDuration(finished - created) };
}

/** One human line per tape event: `seq  type  payload`. */
function eventLine(event: TapeBody['events'][number]): string {
  return `${String(event.seq).padStart(4)}  ${event.event_type.padEnd(24)}  ${JSON.stringify(event.payload)}`;
}

export function addHttpRunCommands(runs: Command): void {
  runs
    .command('get')
    .description('show one run (state, owner, tokens)')
    .argument('<run-id>', 'run id', runId)
    .action(async (id: string, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const run = await adminClient(global).get<RunBody>(`/admin/v1/runs/${id}`);
      createOutput({ json: global.json }).result(global.json ? run : humanRun(run));
    });

  runs
    .command('tape')
    .description('print the events a run recorded (one page; --after-seq to continue)')
    .argument('<run-id>', 'run id', runId)
    .option('--after-seq <seq>', 'only events after this seq (-1 = from the start)', integer(-1), -1)
    .option('--limit <n>', 'at most this many events (1-1000)', integer(1), 200)
    .action(async (id: string, options: { afterSeq: number; limit: number }, command: Command) => {
      const global = readGlobalOptions(command);
      const tape = await adminClient(global).get<TapeBody>(`/admin/v1/runs/${id}/tape?after_seq=${options.afterSeq}&limit=${options.limit}`);
      const output = createOutput({ json: global.json });
      if (global.json) return output.result(tape);
      for (const event of tape.events) output.event(event, eventLine(event));
      output.note(tape.events.length === 0 ? 'no events after that seq' : `next: --after-seq ${tape.next_after_seq}`);
    });

  runs
    .command('cancel')
    .description('ask a run to stop (it ends as cancelled)')
    .argument('<run-id>', 'run id', runId)
    .option('--reason <text>', 'why (recorded with the run)')
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      const global = readGlobalOptions(command);
      const result = await adminClient(global).post<{ run_id: string; reason: string }>(`/admin/v1/runs/${id}/cancel`, options.reason ? { reason: options.reason } : {});
      createOutput({ json: global.json }).result(result, `cancel requested for ${result.run_id} (${result.reason})`);
    });
}
