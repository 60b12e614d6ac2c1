// Tool names on the OpenAI wire: ours are dotted (`palyra.http.fetch`), OpenAI's must match ^[a-zA-Z0-9_-]{1,64}$.
import { CoreError } from '../../core/errors.js';
import type { ToolSpec } from '../../core/models/model-provider.js';

/**
 * The wire name of a tool: every `.` becomes `-`, nothing else changes (`palyra.http.fetch` →
 * `palyra-http-fetch`). Our names match `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`, so they never hold
 * a `-` and swapping the one character is a bijection: two names cannot share a wire name, and the
 * length (at most 64, as the registry enforces) is kept. The obvious `.` → `__` would collide, since
 * a segment may itself contain `__`: `a.b` and the valid name `a__b` would both become `a__b`.
 */
export function toWireToolName(name: string): string {
  return name.replaceAll('.', '-');
}

/** Maps the wire names of the tools offered on one turn back to their names. */
export class WireToolNames {
  private readonly byWireName = new Map<string, string>();

  /** @throws CoreError `invalid_argument` when two offered names (outside our pattern) share a wire name. */
  constructor(tools: readonly Pick<ToolSpec, 'name'>[]) {
    for (const { name } of tools) {
      const wireName = toWireToolName(name);
      const taken = this.byWireName.get(wireName);
      if (taken !== undefined && taken !== name) {
        throw new CoreError('invalid_argument', `tools ${taken} and ${name} have the same OpenAI function name ${wireName}`);
      }
      this.byWireName.set(wireName, name);
    }
  }

  /**
   * The name of the offered tool with this wire name. A name no offered tool has is returned
   * unchanged, so the core sees exactly what the model asked for and rejects it as unknown.
   */
  fromWire(wireName: string): string {
    return this.byWireName.get(wireName) ?? wireName;
  }
}
