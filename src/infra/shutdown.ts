// Orderly shutdown in steps, each under a hard deadline: a step that does not finish is logged and left behind.
import type { Logger } from 'pino';

export interface ShutdownStep {
  /** What the log calls the step (`http`, `grpc`, `core`, …). */
  name: string;
  run(): Promise<void> | void;
}

/** How long one step may take before shutdown goes on without it. */
export const SHUTDOWN_STEP_DEADLINE_MS = 5_000;

/**
 * Runs `steps` one after the other. A step that throws is logged and the next one runs; a step still
 * running at `deadlineMs` is logged as forced and abandoned, and the next one runs, so shutdown always
 * ends (the process exits after it, which closes whatever the step still held).
 */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger, deadlineMs = SHUTDOWN_STEP_DEADLINE_MS): Promise<void> {
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadlineMs);
    });
    const startedMs = performance.now();
    try {
      const outcome = await Promise.race([Promise.resolve(step.run()).then(() => 'done' as const), expired]);
      if (outcome === 'done') logger.debug({ step: step.name, duration_ms: Math.round(performance.now() - startedMs) }, 'shutdown step done');
      if (outcome === 'expired') logger.error({ step: step.name, deadline_ms: deadlineMs }, 'shutdown step still running at its deadline; forced on without it');
    } catch (error) {
      logger.error({ err: error, step: step.name }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
