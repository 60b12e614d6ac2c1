// palyra.echo and palyra.sleep: results, flags, and sleep's prompt stop on abort.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEchoTool } from '../../src/core/tools/builtin/echo.js';
import { createSleepTool } from '../../src/core/tools/builtin/sleep.js';
import { ToolRegistry } from '../../src/core/tools/registry.js';
import type { ToolContext } from '../../src/core/tools/tool.js';

function context(signal: AbortSignal = new AbortController().signal): ToolContext {
  return { runId: '01J0000000000000000000000R', sessionId: '01J0000000000000000000000S', owner: { principal: 'user:test', deviceId: '01J0000000000000000000000D', channel: null }, signal };
}

describe('palyra.echo', () => {
  const echo = createEchoTool();

  test('text → the same text back', async () => {
    assert.deepEqual(await echo.execute({ text: 'hello ✓' }, context()), { success: true, output: { text: 'hello ✓' } });
  });

  test('is read-only and never always-ask', () => {
    assert.equal(echo.readOnly, true);
    assert.equal(echo.alwaysAsk, false);
  });

  test('input without text or with extra fields → validation issues', () => {
    const registry = new ToolRegistry();
    registry.register(echo);
    assert.deepEqual(registry.validate('palyra.echo', { text: 'x' }), []);
    assert.deepEqual(registry.validate('palyra.echo', {}), [{ path: '/text', message: 'is required' }]);
    assert.deepEqual(registry.validate('palyra.echo', { text: 'x', more: 1 }), [{ path: '/more', message: 'is not allowed' }]);
  });
});

describe('palyra.sleep', () => {
  const sleep = createSleepTool();

  test('ms=30 → waits about 30 ms and succeeds', async () => {
    const startedAt = performance.now();
    const outcome = await sleep.execute({ ms: 30 }, context());
    const elapsed = performance.now() - startedAt;
    assert.equal(outcome.success, true);
    assert.ok(elapsed >= 25 && elapsed < 1_000, `elapsed ${elapsed}`);
    assert.ok((outcome.output as { slept_ms: number }).slept_ms >= 25);
  });

  test('abort during a 60 s sleep → ends within 100 ms with success=false', async () => {
    const controller = new AbortController();
    const startedAt = performance.now();
    setTimeout(() => controller.abort(), 20);
    const outcome = await sleep.execute({ ms: 60_000 }, context(controller.signal));
    const afterAbort = performance.now() - startedAt - 20;
    assert.equal(outcome.success, false);
    assert.equal(outcome.error, 'aborted');
    assert.ok(afterAbort < 100, `took ${afterAbort} ms after the abort`);
  });

  test('signal already aborted → returns at once', async () => {
    const outcome = await sleep.execute({ ms: 60_000 }, context(AbortSignal.abort()));
    assert.equal(outcome.success, false);
  });

  test('ms above 60000 → validation issue', () => {
    const registry = new ToolRegistry();
    registry.register(sleep);
    assert.deepEqual(registry.validate('palyra.sleep', { ms: 60_001 }), [{ path: '/ms', message: 'must be <= 60000' }]);
    assert.equal(sleep.readOnly, true);
  });
});
