// runShutdownSteps: steps in order, each under a hard deadline; a failing or stuck step is logged and shutdown goes on.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/infra/log.js';
import { runShutdownSteps } from '../../src/infra/shutdown.js';

function recordingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('a step that never finishes → logged as forced at its deadline by name, and the steps after it still run', async () => {
  const { logger, records } = recordingLogger();
  const ran: string[] = [];
  const startedMs = Date.now();
  await runShutdownSteps(
    [
      { name: 'first', run: () => void ran.push('first') },
      { name: 'stuck', run: () => new Promise<void>(() => ran.push('stuck')) },
      { name: 'last', run: async () => void ran.push('last') },
    ],
    logger,
    200,
  );
  assert.deepEqual(ran, ['first', 'stuck', 'last']);
  assert.ok(Date.now() - startedMs < 1_000);
  const [forced] = records();
  assert.equal(forced?.step, 'stuck');
  assert.equal(forced?.deadline_ms, 200);
  assert.match(String(forced?.msg), /deadline/);
  assert.equal(records().length, 1);
});

test('a step that throws → logged with its name, the next step runs', async () => {
  const { logger, records } = recordingLogger();
  const ran: string[] = [];
  await runShutdownSteps(
    [
      {
        name: 'broken',
        run: () => {
          throw new Error('boom');
        },
      },
      { name: 'next', run: () => void ran.push('next') },
    ],
    logger,
    200,
  );
  assert.deepEqual(ran, ['next']);
  assert.equal(records()[0]?.step, 'broken');
  assert.equal(records()[0]?.msg, 'shutdown step failed');
});
