// `palyra runs list` and `palyra runs watch` over the gRPC gateway.
import { type Command, InvalidArgumentError } from 'commander';
import type * as grpc from '@grpc/grpc-js';
import type { RunStreamEvent } from '../../gen/palyra/common/v1/common.js';
import { RunState, type RunSummary } from '../../gen/palyra/gateway/v1/gateway.js';
import { fromServiceError, unaryCall, withClients } from '../gateway-client.js';
import { humanAgo, humanDuration } from '../style.js';
import { eventToJson } from './run-events.js';
import { createRunRenderer } from './run-render.js';

const STATES: Record<string, RunState> = {
  accepted: RunState.RUN_STATE_ACCEPTED,
  in_progress: RunState.RUN_STATE_IN_PROGRESS,
  done: RunState.RUN_STATE_DONE,
  failed: RunState.RUN_STATE_FAILED,
  cancelled: RunState.RUN_STATE_CANCELLED,
};
const STATE_NAMES = new Map(Object.entries(STATES).map(([name, value]) => [value, name]));

function stateList(value: string, previous: RunState[] = []): RunState[] {
  const states = value.split(',').map((name) => {
    const state = STATES[name.trim()];
    if (state === undefined) throw new InvalidArgumentError(`expected one or more of ${Object.keys(STATES).join(', ')} (comma-separated)`);
    return state;
  });
  return [...previous, ...states];
}

function limit(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > 500) throw new InvalidArgumentError('expected an integer from 1 to 500');
  return parsed;
}

function toRow(run: RunSummary, nowMs: number): Record<string, unknown> {
  const endMs = run.finishedAtUnixMs > 0 ? run.finishedAtUnixMs : nowMs;
  return {
    run_id: run.runId?.ulid,
    state: STATE_NAMES.get(run.state) ?? 'unknown',
    principal: run.principal,
    started: humanAgo(run.createdAtUnixMs, nowMs),
    took: humanDuration(endMs - run.createdAtUnixMs),
    tokens: run.completionTokens,
    error: run.lastError || '-',
  };
}

function toJson(run: RunSummary): Record<string, unknown> {
  return {
    run_id: run.runId?.ulid,
    session_id: run.sessionId?.ulid,
    state: STATE_NAMES.get(run.state) ?? 'unknown',
    principal: run.principal,
    model: run.model,
    created_at_unix_ms: run.createdAtUnixMs,
    finished_at_unix_ms: run.finishedAtUnixMs || null,
    prompt_tokens: run.promptTokens,
    completion_tokens: run.completionTokens,
    last_error: run.lastError || null,
  };
}

export function addGrpcRunCommands(runs: Command): void {
  runs
    .command('list')
    .description('your runs, oldest first (one page; --after continues)')
    .option('--state <states>', 'only these states: accepted, in_progress, done, failed, cancelled (comma-separated, repeatable)', stateList)
    .option('--session <session_id>', 'only runs of this session')
    .option('--limit <n>', 'page size, 1-500', limit, 20)
    .option('--after <run_id>', 'the page after this run (printed at the end of the previous page)')
    .action((options: { state?: RunState[]; session?: string; limit: number; after?: string }, command: Command) =>
      withClients(command, async (clients, out) => {
        const page = await unaryCall(clients, clients.gateway, clients.gateway.listRuns, {
          v: 1,
          sessionId: options.session ? { ulid: options.session } : undefined,
          afterRunId: options.after ?? '',
          limit: options.limit,
          states: options.state ?? [],
        });
        if (out.json) return out.result({ runs: page.runs.map(toJson), next_after_run_id: page.nextAfterRunId || null });
        const nowMs = Date.now();
        if (page.runs.length === 0) return out.note('no runs match');
        out.table(page.runs.map((run) => toRow(run, nowMs)), [
          { key: 'run_id' },
          { key: 'state' },
          { key: 'principal' },
          { key: 'started' },
          { key: 'took' },
          { key: 'tokens' },
          { key: 'error' },
        ]);
        if (page.nextAfterRunId) out.note(`more: palyra runs list --after ${page.nextAfterRunId}`);
      }),
    );

  runs
    .command('watch')
    .description('replay a run from --after-seq, then follow it live until it ends (rendered like `palyra run`; --json for events)')
    .argument('<run_id>')
    .option('--after-seq <n>', 'only events after this seq (-1: from the start)', '-1')
    .action((runId: string, options: { afterSeq: string }, command: Command) =>
      withClients(command, async (clients, out) => {
        const stream = clients.gateway.watchRun({ v: 1, runId: { ulid: runId }, afterSeq: Number(options.afterSeq) }, clients.metadata());
        const renderer = createRunRenderer({ stdout: process.stdout, stderr: process.stderr, announceApprovals: true });
        await new Promise<void>((resolve, reject) => {
          stream.on('data', (event: RunStreamEvent) => (out.json ? out.event(eventToJson(event), '') : renderer.show(event)));
          stream.on('error', (error: grpc.ServiceError) => reject(fromServiceError(error, clients.address)));
          stream.on('end', () => resolve());
        });
        renderer.breakLine();
      }),
    );
}
