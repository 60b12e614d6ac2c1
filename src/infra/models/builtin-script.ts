// The directive syntax of the built-in model: parses one user message into what the model should do.
import { CoreError, ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { parseToolArguments } from './tool-arguments.js';

/** The largest `@slow` delay per token, so a typo cannot park a run for hours. */
export const MAX_SLOW_MS = 60_000;
/** The largest `@tokens` count. */
export const MAX_TOKENS = 1_000_000;

export interface ScriptedToolCall {
  name: string;
  input: Record<string, unknown>;
}

/** What one user message asks the built-in model to do (see docs/builtin-model.md). */
export interface BuiltinScript {
  /** The lines that are not directives, joined with `\n` and trimmed. */
  text: string;
  /** One entry per `@tool` line, in order. */
  toolCalls: ScriptedToolCall[];
  fail: { code: ErrorCode; message: string } | null;
  /** `@loop`; `name` is null when the line named no tool (the first offered tool is used). */
  loop: { name: string | null; input: Record<string, unknown> } | null;
  slowMs: number | null;
  tokens: number | null;
  length: boolean;
}

const DIRECTIVE = /^@(tool|fail|loop|slow|tokens|length)(?:\s+(.*))?$/;
const NAME_AND_REST = /^(\S+)(?:\s+(.*))?$/;
const UNSIGNED = /^\d+$/;

/**
 * Reads a user message line by line. A line whose first word is a known directive is a directive;
 * every other line (including unknown `@words`) is text.
 * @throws CoreError `invalid_argument` for a known directive with bad arguments, a repeated
 *   single-use directive, or `@tool` combined with `@loop`.
 */
export function parseBuiltinScript(message: string): BuiltinScript {
  const script: BuiltinScript = { text: '', toolCalls: [], fail: null, loop: null, slowMs: null, tokens: null, length: false };
  const textLines: string[] = [];
  const seen = new Set<string>();
  for (const line of message.split(/\r?\n/)) {
    const match = DIRECTIVE.exec(line.trim());
    if (!match) {
      textLines.push(line);
      continue;
    }
    const directive = match[1] as string;
    const args = (match[2] ?? '').trim();
    if (directive !== 'tool') {
      if (seen.has(directive)) refuse(line, `@${directive} may appear only once`);
      seen.add(directive);
    }
    applyDirective(script, directive, args, line);
  }
  if (script.loop && script.toolCalls.length > 0) refuse('@loop', '@loop cannot be combined with @tool');
  script.text = textLines.join('\n').trim();
  return script;
}

function applyDirective(script: BuiltinScript, directive: string, args: string, line: string): void {
  switch (directive) {
    case 'tool': {
      const parts = NAME_AND_REST.exec(args);
      if (!parts) refuse(line, 'expected @tool <name> [<json-object>]');
      script.toolCalls.push({ name: parts[1] as string, input: parseToolArguments(parts[2] ?? '') });
      return;
    }
    case 'fail': {
      const parts = NAME_AND_REST.exec(args);
      const code = parts?.[1];
      if (!parts || !isErrorCode(code)) refuse(line, `expected @fail <code> [<message>] with code one of ${ERROR_CODES.join(', ')}`);
      script.fail = { code, message: parts[2]?.trim() || 'builtin model failure' };
      return;
    }
    case 'loop': {
      const parts = NAME_AND_REST.exec(args);
      script.loop = parts ? { name: parts[1] as string, input: parseToolArguments(parts[2] ?? '') } : { name: null, input: {} };
      return;
    }
    case 'slow':
      script.slowMs = readCount(args, MAX_SLOW_MS, line, 'expected @slow <ms>');
      return;
    case 'tokens':
      script.tokens = readCount(args, MAX_TOKENS, line, 'expected @tokens <n>');
      return;
    case 'length':
      if (args !== '') refuse(line, '@length takes no arguments');
      script.length = true;
      return;
  }
}

function readCount(args: string, max: number, line: string, usage: string): number {
  if (!UNSIGNED.test(args)) refuse(line, usage);
  const value = Number(args);
  if (value > max) refuse(line, `${usage} of at most ${max}`);
  return value;
}

function isErrorCode(value: string | undefined): value is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(value ?? '');
}

function refuse(line: string, reason: string): never {
  throw new CoreError('invalid_argument', `builtin model: ${reason} (in "${line.trim().slice(0, 120)}")`);
}
