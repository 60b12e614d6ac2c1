// The node's record of finished task results: survives a restart, tolerates a torn last line, stays bounded.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FINISHED_TASKS_FILE, FinishedTasks, MAX_FINISHED_TASKS } from '../../src/cli/node-host/finished-tasks.js';

const result = (n: number) => ({ taskId: `task-${n}`, success: true, outputJson: String(n), error: '', finishedAtMs: Date.now() });

describe('node finished-task record', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'palyra-finished-'));
    dirs.push(dir);
    return dir;
  };

  test('a recorded result is found again by a new instance (node restart); the file is private', () => {
    const dir = stateDir();
    new FinishedTasks(dir).record(result(1));
    assert.deepEqual(new FinishedTasks(dir).get('task-1')?.outputJson, '1');
    assert.equal(statSync(join(dir, FINISHED_TASKS_FILE)).mode & 0o777, 0o600);
  });

  test('a torn last line (node died mid-append) → that result is skipped, the earlier ones load', () => {
    const dir = stateDir();
    const tasks = new FinishedTasks(dir);
    tasks.record(result(1));
    tasks.record(result(2));
    appendFileSync(join(dir, FINISHED_TASKS_FILE), '{"taskId":"task-3","succ');
    const reloaded = new FinishedTasks(dir);
    assert.deepEqual([reloaded.get('task-1')?.outputJson, reloaded.get('task-2')?.outputJson, reloaded.get('task-3')], ['1', '2', undefined]);
  });

  test(`more than ${MAX_FINISHED_TASKS} results → the newest ${MAX_FINISHED_TASKS} are kept and the file stays under twice that many lines`, () => {
    const dir = stateDir();
    const tasks = new FinishedTasks(dir);
    const total = MAX_FINISHED_TASKS * 3 + 7;
    for (let n = 1; n <= total; n += 1) tasks.record(result(n));
    const lines = readFileSync(join(dir, FINISHED_TASKS_FILE), 'utf8').split('\n').filter(Boolean).length;
    assert.equal(lines < 2 * MAX_FINISHED_TASKS, true, `${lines} lines`);
    const reloaded = new FinishedTasks(dir);
    assert.equal(reloaded.get(`task-${total}`)?.outputJson, String(total));
    assert.equal(reloaded.get(`task-${total - MAX_FINISHED_TASKS + 1}`)?.outputJson, String(total - MAX_FINISHED_TASKS + 1));
    assert.equal(reloaded.get(`task-${total - MAX_FINISHED_TASKS}`), undefined);
  });
});
