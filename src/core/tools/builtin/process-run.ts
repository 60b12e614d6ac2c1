// palyra.process.run: runs one operator-allowed command without a shell, bounded in time and output.
import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import Type, { type Static } from 'typebox';
import type { Tool, ToolOutcome } from '../tool.js';

export interface ProcessRunConfig {
  /** Commands that may run, matched exactly as written (a bare name is looked up on the daemon's PATH). */
  allowedCommands: readonly string[];
  /** Where the operator lists them, named in refusals; the daemon's palyra.toml key when omitted. */
  settingName?: string;
}

export const MAX_OUTPUT_BYTES = 64 * 1024;
const DEFAULT_PROCESS_TIMEOUT_MS = 30_000;
const MAX_PROCESS_TIMEOUT_MS = 300_000;
/** Time between SIGTERM and SIGKILL when a process is stopped. */
export const KILL_GRACE_MS = 2_000;
const PASSED_ENV = ['PATH', 'HOME', 'LANG'] as const;

const ProcessRunInput = Type.Object(
  {
    command: Type.String({ minLength: 1, maxLength: 4_096, description: 'Program to run (no shell).' }),
    args: Type.Array(Type.String({ maxLength: 32_768 }), { maxItems: 256, description: 'Arguments, passed as they are.' }),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4_096, description: 'Absolute working directory.' })),
    timeout_ms: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_PROCESS_TIMEOUT_MS, description: `Defaults to ${DEFAULT_PROCESS_TIMEOUT_MS}.` }),
    ),
  },
  { additionalProperties: false },
);

type ProcessRunInput = Static<typeof ProcessRunInput>;

/**
 * `palyra.process.run` {command, args, cwd?, timeout_ms?} →
 * {exit_code, signal, stdout, stderr, stdout_truncated, stderr_truncated, timed_out}.
 * Every call is asked (`alwaysAsk`), and only `allowedCommands` run: with the default empty list
 * every call is refused. The environment holds only PATH, HOME and LANG; each stream keeps its first
 * 64 KiB. On abort or timeout the process group gets SIGTERM, then SIGKILL after a grace period.
 * Succeeds only when the process exits with code 0.
 */
export function createProcessRunTool(config: ProcessRunConfig): Tool {
  const allowed = new Set(config.allowedCommands);
  const settingName = config.settingName ?? 'tools.process_allowed_commands in palyra.toml';
  return {
    name: 'palyra.process.run',
    description:
      'Runs an allowed command with arguments (no shell) and returns its exit code and output (first 64 KiB of each stream).',
    // A plain object type: a TypeBox interface has no index signature to satisfy Record<string, unknown>.
    inputSchema: { ...ProcessRunInput },
    readOnly: false,
    alwaysAsk: true,
    timeoutMs: MAX_PROCESS_TIMEOUT_MS + KILL_GRACE_MS + 5_000,
    async execute(input, ctx) {
      const call = input as ProcessRunInput;
      if (allowed.size === 0) {
        return failure(`palyra.process.run is disabled: the operator has allowed no commands (${settingName})`);
      }
      if (!allowed.has(call.command)) return failure(`command ${JSON.stringify(call.command)} is not in the allowed commands (${settingName})`);
      if (call.cwd !== undefined && !isAbsolute(call.cwd)) return failure('cwd must be an absolute path');
      if (ctx.signal.aborted) return failure('aborted');
      return runProcess(call, ctx.signal);
    },
  };
}

function runProcess(call: ProcessRunInput, signal: AbortSignal): Promise<ToolOutcome> {
  const env: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const timeoutMs = call.timeout_ms ?? DEFAULT_PROCESS_TIMEOUT_MS;
  // Its own process group, so a stop also reaches what the command started.
  const child = spawn(call.command, call.args, {
    cwd: call.cwd,
    env,
    shell: false,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);
  let stopReason: 'aborted' | 'timed_out' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  // Also when the command itself has exited: until 'close', something it started still holds its output pipes.
  const stop = (reason: 'aborted' | 'timed_out'): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
  };
  const onAbort = (): void => stop('aborted');
  const timeoutTimer = setTimeout(() => stop('timed_out'), timeoutMs);
  signal.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: ToolOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish(failure(`could not start ${call.command}: ${error.code ?? error.message}`));
    });
    child.on('close', (exitCode, exitSignal) => {
      const output = {
        exit_code: exitCode,
        signal: exitSignal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdout_truncated: stdout.truncated(),
        stderr_truncated: stderr.truncated(),
        timed_out: stopReason === 'timed_out',
      };
      if (stopReason === 'aborted') finish({ success: false, output, error: 'aborted' });
      else if (stopReason === 'timed_out') finish({ success: false, output, error: `timed out after ${timeoutMs} ms` });
      else if (exitCode === 0) finish({ success: true, output });
      else finish({ success: false, output, error: exitCode === null ? `killed by ${exitSignal}` : `exited with code ${exitCode}` });
    });
  });
}

/** Keeps the first MAX_OUTPUT_BYTES of a stream and drains the rest, so the child never blocks on a full pipe. */
function capture(stream: Readable): { text(): string; truncated(): boolean } {
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  stream.on('data', (chunk: Buffer) => {
    const room = MAX_OUTPUT_BYTES - length;
    if (chunk.length > room) truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    chunks.push(kept);
    length += kept.length;
  });
  return {
    text: () => {
      const decoder = new StringDecoder('utf8');
      return truncated ? decoder.write(Buffer.concat(chunks)) : decoder.end(Buffer.concat(chunks));
    },
    truncated: () => truncated,
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function failure(error: string): ToolOutcome {
  return { success: false, output: null, error };
}
