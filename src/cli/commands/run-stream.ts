// `palyra run` and `palyra chat`: drive one RunStream, print events as they come, answer approvals inline.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type * as grpc from '@grpc/grpc-js';
import { type RunStreamEvent, RunStreamRequest } from '../../gen/palyra/common/v1/common.js';
import { connectGateway, fromServiceError, type GatewayClients, newId } from '../gateway-client.js';
import { readGlobalOptions } from '../global-options.js';
import { EXIT_CODES, type Output, createOutput } from '../output.js';
import { eventToJson } from './run-events.js';

// The daemon reports the end of each answered turn as an IN_PROGRESS status with this message.
const TURN_COMPLETED = 'turn_completed';
const SCOPES: Record<string, number> = { y: 1, yes: 1, s: 2, session: 2 };

/** Lines of stdin, pulled one at a time; null at end of input. */
function lineReader(): () => Promise<string | null> {
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  return async () => {
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) return line;
      if (ended) return null;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
}

/** A request with the protocol version and the generated defaults for every field not given. */
function request(fields: Parameters<typeof RunStreamRequest.create>[0]): RunStreamRequest {
  return RunStreamRequest.create({ v: 1, ...fields });
}

function turn(text: string): Parameters<typeof RunStreamRequest.create>[0] {
  return { input: { v: 1, timestampUnixMs: Date.now(), content: { text } } };
}

/** Runs one stream to its end; resolves with the exit code (0 after DONE). */
async function driveRun(clients: GatewayClients, out: Output, prompt: string, nextLine: () => Promise<string | null>, interactive: boolean): Promise<number> {
  const call = clients.gateway.runStream(clients.metadata()) as grpc.ClientDuplexStream<RunStreamRequest, RunStreamEvent>;
  call.write(request({ sessionId: { ulid: newId() }, runId: { ulid: newId() }, ...turn(prompt) }));
  const onSigint = () => call.write(request(turn('/cancel')));
  process.on('SIGINT', onSigint);
  let ended = false;
  const endInput = () => {
    if (!ended) call.end();
    ended = true;
  };
  const nextTurn = async () => {
    const line = interactive ? await nextLine() : null;
    if (ended) return;
    if (line === null) return endInput();
    if (line.trim() === '') return nextTurn();
    call.write(request(turn(line)));
  };
  let exitCode: number = EXIT_CODES.failure;
  return new Promise((resolve, reject) => {
    call.on('data', (event: RunStreamEvent) => {
      const body = event.body;
      if (out.json) out.event(eventToJson(event), '');
      if (!body) return;
      if (body.$case === 'modelToken') {
        if (!out.json) process.stdout.write(body.value.isFinal ? '\n' : body.value.token);
      } else if (body.$case === 'toolApprovalRequest') {
        const ask = body.value;
        if (!out.json) process.stderr.write(`approve ${ask.toolName} ${ask.inputJson.toString()}? [y]es / [n]o / [s]ession: `);
        void nextLine().then((line) => {
          const answer = (line ?? 'n').trim().toLowerCase();
          const scope = SCOPES[answer];
          call.write(request({ toolApprovalResponse: { proposalId: ask.proposalId, approvalId: ask.approvalId, approved: scope !== undefined, reason: '', decisionScope: scope ?? 1, decisionScopeTtlMs: 0 } }));
        });
      } else if (body.$case === 'toolResult' && !out.json) {
        out.note(`tool ${body.value.success ? 'ok' : `failed: ${body.value.error}`}`);
      } else if (body.$case === 'status') {
        if (body.value.kind === 2 && body.value.message === TURN_COMPLETED) void nextTurn();
        if (body.value.kind === 3) exitCode = EXIT_CODES.ok;
        if (body.value.kind === 4) out.note(`run failed: ${body.value.message}`);
      }
    });
    call.on('error', (error: grpc.ServiceError) => {
      process.off('SIGINT', onSigint);
      reject(fromServiceError(error));
    });
    call.on('end', () => {
      process.off('SIGINT', onSigint);
      resolve(exitCode);
    });
  });
}

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description('run one prompt and stream its events (approvals are asked on stdin)')
    .argument('<prompt>', 'the prompt text')
    .action(async (prompt: string, _options: unknown, command: Command) => {
      const globals = readGlobalOptions(command);
      const clients = connectGateway(globals);
      try {
        process.exitCode = await driveRun(clients, createOutput({ json: globals.json }), prompt, lineReader(), false);
      } finally {
        clients.close();
        process.stdin.destroy();
      }
    });

  program
    .command('chat')
    .description('interactive run: each line is a turn, approvals are asked inline (y / n / s), Ctrl-C cancels')
    .action(async (_options: unknown, command: Command) => {
      const globals = readGlobalOptions(command);
      const nextLine = lineReader();
      const first = await nextLine();
      if (first === null) return;
      const clients = connectGateway(globals);
      try {
        process.exitCode = await driveRun(clients, createOutput({ json: globals.json }), first, nextLine, true);
      } finally {
        clients.close();
      }
    });
}
