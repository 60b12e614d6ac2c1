// palyra.sleep: waits a given time, stopping as soon as the call is aborted.
import Type, { type Static } from 'typebox';
import type { Tool } from '../tool.js';

const MAX_SLEEP_MS = 60_000;

const SleepInput = Type.Object(
  { ms: Type.Integer({ minimum: 0, maximum: MAX_SLEEP_MS, description: 'Milliseconds to wait.' }) },
  { additionalProperties: false },
);

/** `palyra.sleep` {ms ≤ 60000} → {slept_ms}. Read-only; an abort ends it at once with `success: false`. */
export function createSleepTool(): Tool {
  return {
    name: 'palyra.sleep',
    description: `Waits the given number of milliseconds (at most ${MAX_SLEEP_MS}).`,
    // A plain object type: a TypeBox interface has no index signature to satisfy Record<string, unknown>.
    inputSchema: { ...SleepInput },
    readOnly: true,
    alwaysAsk: false,
    timeoutMs: MAX_SLEEP_MS + 5_000,
    async execute(input, ctx) {
      const { ms } = input as Static<typeof SleepInput>;
      const startedAt = performance.now();
      const completed = await sleep(ms, ctx.signal);
      const sleptMs = Math.round(performance.now() - startedAt);
      return completed
        ? { success: true, output: { slept_ms: sleptMs } }
        : { success: false, output: { slept_ms: sleptMs }, error: 'aborted' };
    },
  };
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
