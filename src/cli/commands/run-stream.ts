// `palyra run` and `palyra chat`: drive RunStreams, show events as they come, answer approvals inline.
import type { Command } from 'commander';
import type * as grpc from '@grpc/grpc-js';
import { type RunStreamEvent, RunStreamRequest, type ToolApprovalRequest } from '../../gen/palyra/common/v1/common.js';
import { connectGateway, fromServiceError, type GatewayClients, newId } from '../gateway-client.js';
import { readGlobalOptions } from '../global-options.js';
import { EXIT_CODES, type Output, createOutput } from '../output.js';
import { paint } from '../style.js';
import { createLineSource, type LineSource } from './line-source.js';
import { eventToJson } from './run-events.js';
import { clip, createRunRenderer, MAX_JSON_CHARS, type RunRenderer } from './run-render.js';

// The daemon reports the end of each answered turn as an IN_PROGRESS status with this message.
const TURN_COMPLETED = 'turn_completed';
const STATUS_IN_PROGRESS = 2;
const STATUS_DONE = 3;
const SCOPES: Record<string, number> = { y: 1, yes: 1, s: 2, session: 2 };

function request(fields: Parameters<typeof RunStreamRequest.create>[0]): RunStreamRequest {
  return RunStreamRequest.create({ v: 1, ...fields });
}

function turn(text: string): Parameters<typeof RunStreamRequest.create>[0] {
  return { input: { v: 1, timestampUnixMs: Date.now(), content: { text } } };
}

type TurnEnd = 'turn_completed' | 'run_ended';

/**
 * One run of a session on one RunStream: `send` starts it with the first turn or adds a turn, and
 * resolves when that turn is answered or the run ends; `finish` half-closes and resolves with the exit code.
 */
class ActiveRun {
  readonly runId = newId();
  private readonly call: grpc.ClientDuplexStream<RunStreamRequest, RunStreamEvent>;
  private started = false;
  private ended = false;
  private exitCode: number = EXIT_CODES.failure;
  private waiter: ((end: TurnEnd) => void) | undefined;
  private readonly done: Promise<number>;

  constructor(
    clients: GatewayClients,
    private readonly sessionId: string,
    private readonly out: Output,
    private readonly renderer: RunRenderer,
    private readonly askApproval: (ask: ToolApprovalRequest) => Promise<string | null>,
  ) {
    this.call = clients.gateway.runStream(clients.metadata()) as grpc.ClientDuplexStream<RunStreamRequest, RunStreamEvent>;
    this.done = new Promise((resolve, reject) => {
      this.call.on('data', (event: RunStreamEvent) => this.onEvent(event));
      this.call.on('error', (error: grpc.ServiceError) => {
        this.ended = true;
        this.waiter?.('run_ended');
        reject(fromServiceError(error, clients.address));
      });
      this.call.on('end', () => {
        this.ended = true;
        this.waiter?.('run_ended');
        resolve(this.exitCode);
      });
    });
    // A rejection is reported through finish(); until then it must not count as unhandled.
    this.done.catch(() => undefined);
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  send(text: string): Promise<TurnEnd> {
    if (this.ended) return Promise.resolve('run_ended');
    const first = !this.started;
    this.started = true;
    const answered = new Promise<TurnEnd>((resolve) => (this.waiter = resolve));
    this.call.write(request(first ? { sessionId: { ulid: this.sessionId }, runId: { ulid: this.runId }, ...turn(text) } : turn(text)));
    return answered;
  }

  cancel(): void {
    if (!this.ended) this.call.write(request(turn('/cancel')));
  }

  async finish(): Promise<number> {
    if (!this.ended) this.call.end();
    return this.done;
  }

  private onEvent(event: RunStreamEvent): void {
    if (this.out.json) this.out.event(eventToJson(event), '');
    else this.renderer.show(event);
    const body = event.body;
    if (body?.$case === 'toolApprovalRequest') {
      const ask = body.value;
      void this.askApproval(ask).then((line) => {
        const scope = SCOPES[(line ?? 'n').trim().toLowerCase()];
        this.call.write(request({ toolApprovalResponse: { proposalId: ask.proposalId, approvalId: ask.approvalId, approved: scope !== undefined, reason: scope === undefined ? 'denied at the CLI' : '', decisionScope: scope ?? 1, decisionScopeTtlMs: 0 } }));
      });
    } else if (body?.$case === 'status') {
      if (body.value.kind === STATUS_IN_PROGRESS && body.value.message === TURN_COMPLETED) this.waiter?.('turn_completed');
      if (body.value.kind === STATUS_DONE) this.exitCode = EXIT_CODES.ok;
    }
  }
}

/** The approval question, asked on the line source; null (end of input) counts as "no". */
function approvalAsker(lines: LineSource, out: Output, renderer: RunRenderer): (ask: ToolApprovalRequest) => Promise<string | null> {
  return (ask) => {
    renderer.breakLine();
    const question = `approve ${ask.toolName} ${clip(ask.inputJson.toString(), MAX_JSON_CHARS)}? [y]es / [n]o / [s]ession: `;
    return lines.next(out.json ? '' : paint(process.stderr, 'bold', question), { always: true });
  };
}

async function runOnce(command: Command, prompt: string): Promise<number> {
  const globals = readGlobalOptions(command);
  const out = createOutput({ json: globals.json });
  const clients = connectGateway(globals);
  const lines = createLineSource({ interactive: false });
  const renderer = createRunRenderer({ stdout: process.stdout, stderr: process.stderr });
  try {
    const run = new ActiveRun(clients, newId(), out, renderer, approvalAsker(lines, out, renderer));
    out.note(paint(process.stderr, 'dim', `run ${run.runId}`));
    lines.onInterrupt(() => run.cancel());
    await run.send(prompt);
    return await run.finish();
  } finally {
    renderer.breakLine();
    lines.close();
    clients.close();
  }
}

async function chat(command: Command): Promise<number> {
  const globals = readGlobalOptions(command);
  const out = createOutput({ json: globals.json });
  const clients = connectGateway(globals);
  const lines = createLineSource({ interactive: !globals.json });
  const renderer = createRunRenderer({ stdout: process.stdout, stderr: process.stderr });
  const sessionId = newId();
  const ask = approvalAsker(lines, out, renderer);
  let run: ActiveRun | undefined;
  let busy = false;
  let exitCode: number = EXIT_CODES.ok;
  // Ctrl-C: cancels the running turn; at an idle prompt it leaves, as Ctrl-D does.
  lines.onInterrupt(() => {
    if (busy && run?.isOpen) {
      if (!out.json) renderer.note(paint(process.stderr, 'yellow', '^C cancelling the turn (Ctrl-C again at the prompt, or Ctrl-D, leaves)'));
      run.cancel();
      return;
    }
    lines.close();
  });
  out.note(paint(process.stderr, 'bold', `palyra chat — session ${sessionId} on ${clients.address}`));
  out.note(paint(process.stderr, 'dim', 'Type a message and press Enter. Ctrl-C cancels a running turn; Ctrl-D (or Ctrl-C at an empty prompt) leaves.'));
  try {
    for (;;) {
      const line = await lines.next(out.json ? '' : paint(process.stdout, 'bold', '> '));
      if (line === null) {
        if (process.stdin.isTTY && !out.json) process.stdout.write('\n');
        break;
      }
      if (line.trim() === '') continue;
      if (!run?.isOpen) {
        if (run) exitCode = await run.finish().catch(() => EXIT_CODES.failure);
        run = new ActiveRun(clients, sessionId, out, renderer, ask);
      }
      busy = true;
      const end = await run.send(line);
      busy = false;
      if (end === 'run_ended') exitCode = await run.finish();
    }
    if (run?.isOpen) exitCode = await run.finish();
    return exitCode;
  } finally {
    renderer.breakLine();
    lines.close();
    clients.close();
  }
}

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .argument('<prompt>', 'the prompt text')
    .action(async (prompt: string, _options: unknown, command: Command) => {
      process.exitCode = await runOnce(command, prompt);
    });

  program
    .command('chat')
    .action(async (_options: unknown, command: Command) => {
      process.exitCode = await chat(command);
    });
}
