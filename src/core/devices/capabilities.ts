// Capability lists a node registers: names, availability, limits.
import { CoreError } from '../errors.js';
import type { NodeCapability } from './store.js';

export const MAX_CAPABILITIES = 64;
/** Lower-case dotted names such as `echo`, `system.health`, `desktop.open_url`. */
export const CAPABILITY_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

/** The list trimmed, de-duplicated by refusal and sorted by name. @throws CoreError `invalid_argument`. */
export function checkCapabilities(list: NodeCapability[]): NodeCapability[] {
  if (!Array.isArray(list) || list.length > MAX_CAPABILITIES) throw new CoreError('invalid_argument', `capabilities must be a list of at most ${MAX_CAPABILITIES}`);
  const seen = new Set<string>();
  const out: NodeCapability[] = [];
  for (const capability of list) {
    const name = typeof capability?.name === 'string' ? capability.name.trim() : '';
    if (!CAPABILITY_NAME.test(name)) throw new CoreError('invalid_argument', `capability name "${name}" must match ${CAPABILITY_NAME.source}`);
    if (seen.has(name)) throw new CoreError('invalid_argument', `capability ${name} is listed twice`);
    seen.add(name);
    out.push({ name, available: capability.available === true });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
