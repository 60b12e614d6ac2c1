// What every browser.* capability on a node shares: its spec shape, the caller's session, input fields and output budgets.
import Type, { type Static, type TSchema } from 'typebox';
import type { BrowserEngine } from '../../browser/engine/engine.js';
import type { BrowserSession } from '../../browser/engine/session.js';
import { CoreError } from '../../core/errors.js';
import { capBrowserOutput } from '../../core/tools/builtin/browser-output.js';

/** What a capability call knows beyond its input: the node task's output budget. */
export interface BrowserCall {
  maxOutputBytes: number;
}

export interface Spec<S extends TSchema> {
  name: string;
  description: string;
  input: S;
  run(engine: BrowserEngine, principal: string, input: Static<S>, call: BrowserCall): Promise<unknown>;
}

export const define = <S extends TSchema>(spec: Spec<S>): Spec<TSchema> => spec as unknown as Spec<TSchema>;

export const ULID = { pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' };
export const sessionId = Type.Optional(Type.String({ ...ULID, description: 'A browser session on this node; default: the caller\'s newest one.' }));
export const selector = Type.String({ minLength: 1, maxLength: 4_096 });
export const timeoutMs = Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 }));
export const url = Type.String({ minLength: 1, maxLength: 8_192 });
// A JSON result carries a binary capture as base64 (4/3 of its size) next to a few small fields.
const RESULT_OVERHEAD_BYTES = 512;

/** The caller's session: the one named, else their newest. @throws `not_found` (also for another principal's). */
export function sessionOf(engine: BrowserEngine, principal: string, id: string | undefined): BrowserSession {
  if (id) return engine.session(principal, id);
  const newest = engine.listSessions(principal, 1).sessions[0];
  if (!newest) throw new CoreError('not_found', 'you have no browser session on this node; create one with browser.session.create');
  return engine.session(principal, newest.id);
}

/** The largest capture whose base64 fits the task's output budget. @throws `invalid_argument` when none fits. */
export function captureBudgetBytes(call: BrowserCall, what: string): number {
  const maxBytes = Math.floor(((call.maxOutputBytes - RESULT_OVERHEAD_BYTES) * 3) / 4);
  if (maxBytes < 1) throw new CoreError('invalid_argument', `max_output_bytes ${call.maxOutputBytes} leaves no room for ${what}`);
  return maxBytes;
}

/**
 * `output` redacted and capped as the daemon's browser tools hand theirs back (capBrowserOutput), then
 * the oldest entries of its list `listKey` dropped, with `truncated` set, until its JSON fits the task's
 * output budget: a page's logs cannot turn the whole result into output_too_large.
 */
export function fittedListOutput(output: Record<string, unknown> & { truncated: boolean }, listKey: string, call: BrowserCall): Record<string, unknown> {
  const capped = capBrowserOutput(output) as Record<string, unknown>;
  const entries = capped[listKey] as unknown[];
  let size = Buffer.byteLength(JSON.stringify(capped));
  let dropped = 0;
  // Each dropped entry takes its JSON and a comma with it.
  while (size > call.maxOutputBytes && dropped < entries.length) {
    size -= Buffer.byteLength(JSON.stringify(entries[dropped])) + 1;
    dropped += 1;
  }
  return dropped === 0 ? capped : { ...capped, [listKey]: entries.slice(dropped), truncated: true };
}
