// How `palyra` prints: results (one JSON document, NDJSON lines, or aligned text) and errors (message, hint, exit code).
import type { Writable } from 'node:stream';
import { ERROR_CODES, type ErrorCode } from '../core/errors.js';

/** Exit codes of every `palyra` command. */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  unavailable: 3,
  unauthenticated: 4,
  notFound: 5,
  permissionDenied: 6,
} as const;

export interface Column {
  /** Property of each row. */
  key: string;
  /** Column title in human output; defaults to the key in upper case. */
  header?: string;
}

export interface Output {
  readonly json: boolean;
  /** One result: a JSON document with --json; otherwise `human`, or `key  value` lines for an object. */
  result(value: unknown, human?: string): void;
  /** A list: a JSON array with --json; otherwise a header row and columns aligned with spaces. */
  table(rows: readonly Record<string, unknown>[], columns: readonly Column[]): void;
  /** One item of a stream: an NDJSON line with --json; otherwise the `human` line. */
  event(value: unknown, human: string): void;
  /** A remark for a person (progress, next steps) on stderr; nothing with --json. */
  note(text: string): void;
}

export interface OutputStreams {
  stdout?: Writable;
  stderr?: Writable;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Aligns rows into columns separated by two spaces; the last column is not padded. */
function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '))
    .join('\n');
}

export function createOutput(options: { json: boolean } & OutputStreams): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const writeLine = (stream: Writable, text: string) => stream.write(`${text}\n`);
  return {
    json: options.json,
    result(value, human) {
      if (options.json) return void writeLine(stdout, JSON.stringify(value));
      if (human !== undefined) return void writeLine(stdout, human);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const rows = Object.entries(value).map(([key, item]) => [key, cellText(item)]);
        return void writeLine(stdout, alignColumns(rows));
      }
      writeLine(stdout, cellText(value));
    },
    table(rows, columns) {
      if (options.json) return void writeLine(stdout, JSON.stringify(rows));
      const header = columns.map((column) => column.header ?? column.key.toUpperCase());
      const body = rows.map((row) => columns.map((column) => cellText(row[column.key])));
      writeLine(stdout, alignColumns([header, ...body]));
    },
    event(value, human) {
      writeLine(stdout, options.json ? JSON.stringify(value) : human);
    },
    note(text) {
      if (!options.json) writeLine(stderr, text);
    },
  };
}

/** An error the CLI raises on purpose, with what the user should do next. */
export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_CODES.failure;
  }
}

interface ErrorReport {
  code: string;
  message: string;
  hint?: string;
  exitCode: number;
}

const CODE_EXITS: Partial<Record<ErrorCode, { exitCode: number; hint: string }>> = {
  unauthenticated: {
    exitCode: EXIT_CODES.unauthenticated,
    hint: 'run `palyra login`, pass --token (or set PALYRA_ADMIN_TOKEN), or point --state-dir at the daemon state directory (palyrad keeps its admin token in <state_dir>/admin-token)',
  },
  permission_denied: { exitCode: EXIT_CODES.permissionDenied, hint: 'this credential is not allowed to do that: use one with the needed scope (palyra tokens create --scope …) or the admin token' },
  not_found: { exitCode: EXIT_CODES.notFound, hint: 'check the id or name (list commands show what exists)' },
  invalid_argument: { exitCode: EXIT_CODES.usage, hint: 'check the arguments (add --help to the command for usage)' },
  unavailable: { exitCode: EXIT_CODES.unavailable, hint: 'is palyrad running? start it with `npm start` (or `palyrad`), or point --url / --grpc (PALYRA_URL / PALYRA_GRPC) at the one you mean' },
  deadline_exceeded: { exitCode: EXIT_CODES.unavailable, hint: 'the daemon did not answer in time; try again' },
};

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'the host is unreachable',
  ETIMEDOUT: 'no answer in time',
};
const NETWORK_ERRORS = new Set(Object.keys(NETWORK_REASONS));

function networkErrorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  return typeof code === 'string' && NETWORK_ERRORS.has(code) ? code : undefined;
}

function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) {
    return { code: 'cli_error', message: error.message, exitCode: error.exitCode, ...(error.hint ? { hint: error.hint } : {}) };
  }
  const network = typeof error === 'object' && error !== null ? networkErrorCode(error) : undefined;
  if (network) {
    const failure = (error instanceof Error && error.cause instanceof Error ? error.cause : error) as { address?: unknown; port?: unknown; message?: unknown };
    const where = typeof failure.address === 'string' ? ` at ${failure.address.includes(':') ? `[${failure.address}]` : failure.address}:${String(failure.port)}` : '';
    const known = CODE_EXITS.unavailable;
    return { code: 'unavailable', message: `cannot reach palyrad${where}: ${NETWORK_REASONS[network] ?? network}`, exitCode: EXIT_CODES.unavailable, ...(known ? { hint: known.hint } : {}) };
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)) {
    const details = (error as { details?: { hint?: unknown } }).details;
    const known = CODE_EXITS[code as ErrorCode];
    const hint = typeof details?.hint === 'string' ? details.hint : known?.hint;
    return { code, message, exitCode: known?.exitCode ?? EXIT_CODES.failure, ...(hint ? { hint } : {}) };
  }
  return { code: 'internal', message, exitCode: EXIT_CODES.failure };
}

/**
 * Prints an error to stderr (`palyra: <message>` and `hint: …`, or `{"error":{code,message,hint}}`
 * with --json) and returns the exit code. Accepts CliError, CoreError-shaped errors (a `code` from
 * the core's list, optional `details.hint`), network failures, or anything else.
 */
export function reportError(error: unknown, options: { json: boolean; stderr?: Writable }): number {
  const stderr = options.stderr ?? process.stderr;
  const report = describeError(error);
  if (options.json) {
    const body = { code: report.code, message: report.message, ...(report.hint ? { hint: report.hint } : {}) };
    stderr.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    stderr.write(`${report.message.split('\n').map((line) => `palyra: ${line}`).join('\n')}\n`);
    if (report.hint) stderr.write(`hint: ${report.hint}\n`);
  }
  return report.exitCode;
}
