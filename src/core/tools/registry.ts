// ToolRegistry: the tools the agent loop may call, their specs for the model, and input validation.
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { CoreError, type ValidationIssue } from '../errors.js';
import type { ToolSpec } from '../models/model-provider.js';
import type { Tool } from './tool.js';

/** The largest tool input accepted, measured as UTF-8 JSON. */
export const MAX_TOOL_INPUT_BYTES = 128 * 1024;

/** Dotted lower-case segments, e.g. `palyra.http.fetch`. */
const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const MAX_TOOL_NAME_LENGTH = 64;

interface Entry {
  tool: Tool;
  /** Compiled on the tool's first call: compiling every tool's schema at start cost palyrad ~40 ms. */
  validator: Validator | undefined;
  spec: ToolSpec;
}

/** Holds the registered tools by name; registration order is the order the model sees. */
export class ToolRegistry {
  readonly #entries = new Map<string, Entry>();
  #specs: readonly ToolSpec[] | undefined;

  /**
   * Adds a tool; its input schema is compiled when its first input is validated.
   * @throws CoreError `already_exists` for a taken name, `invalid_argument` for a malformed name,
   *   a schema that does not describe an object, or a non-positive `timeoutMs`.
   */
  register(tool: Tool): void {
    if (tool.name.length > MAX_TOOL_NAME_LENGTH || !TOOL_NAME_PATTERN.test(tool.name)) {
      throw new CoreError('invalid_argument', `tool name ${JSON.stringify(tool.name)} must be dotted lower-case segments of at most ${MAX_TOOL_NAME_LENGTH} characters`);
    }
    if (this.#entries.has(tool.name)) {
      throw new CoreError('already_exists', `tool ${tool.name} is already registered`);
    }
    if (tool.inputSchema['type'] !== 'object') {
      throw new CoreError('invalid_argument', `tool ${tool.name}: input schema must have type "object"`);
    }
    if (!Number.isInteger(tool.timeoutMs) || tool.timeoutMs <= 0) {
      throw new CoreError('invalid_argument', `tool ${tool.name}: timeoutMs must be a positive integer`);
    }
    // A plain JSON copy, frozen: what the model sees cannot be changed through the tool or by a caller, and carries no TypeBox internals.
    const inputSchema = deepFreeze(JSON.parse(JSON.stringify(tool.inputSchema)) as Record<string, unknown>);
    this.#entries.set(tool.name, {
      tool,
      validator: undefined,
      spec: Object.freeze({ name: tool.name, description: tool.description, inputSchema }),
    });
    this.#specs = undefined;
  }

  get(name: string): Tool | undefined {
    return this.#entries.get(name)?.tool;
  }

  list(): Tool[] {
    return [...this.#entries.values()].map((entry) => entry.tool);
  }

  /** The catalog offered to the model on each turn: one frozen list, shared by every turn until a tool is added. */
  specs(): readonly ToolSpec[] {
    this.#specs ??= Object.freeze([...this.#entries.values()].map((entry) => entry.spec));
    return this.#specs;
  }

  /**
   * Checks a proposed input against the tool's schema and the size cap. Returns the problems found,
   * an empty list when the input is valid. Paths are JSON Pointers into the input (`''` is the root).
   * @throws CoreError `not_found` when no tool has this name.
   */
  validate(name: string, input: unknown): ValidationIssue[] {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw new CoreError('not_found', `unknown tool ${name}`);
    let json: string | undefined;
    try {
      json = JSON.stringify(input);
    } catch {
      json = undefined;
    }
    if (json === undefined) return [{ path: '', message: 'must be JSON-serialisable' }];
    if (Buffer.byteLength(json, 'utf8') > MAX_TOOL_INPUT_BYTES) {
      return [{ path: '', message: `must not exceed ${MAX_TOOL_INPUT_BYTES} bytes of JSON` }];
    }
    entry.validator ??= Compile(entry.spec.inputSchema as TSchema);
    if (entry.validator.Check(input)) return [];
    return toIssues(entry.validator.Errors(input));
  }
}

/**
 * Turns TypeBox errors into one issue per problem: `required` and `additionalProperties` become one
 * issue per named property, and the echo TypeBox adds for `additionalProperties: false` is dropped.
 */
function toIssues(errors: TLocalizedValidationError[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const extras: string[] = [];
  for (const error of errors) {
    if (error.keyword === 'required') {
      for (const property of error.params.requiredProperties) {
        issues.push({ path: `${error.instancePath}/${escapePointer(property)}`, message: 'is required' });
      }
    } else if (error.keyword === 'additionalProperties') {
      for (const property of error.params.additionalProperties) {
        extras.push(`${error.instancePath}/${escapePointer(property)}`);
      }
    } else if (!(error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties'))) {
      issues.push({ path: error.instancePath, message: error.message });
    }
  }
  // A property that failed an `additionalProperties` schema already has its own issue.
  for (const path of extras) {
    if (!issues.some((issue) => issue.path === path || issue.path.startsWith(`${path}/`))) {
      issues.push({ path, message: 'is not allowed' });
    }
  }
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
