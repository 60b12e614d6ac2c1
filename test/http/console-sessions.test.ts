// /console/v1/sessions over HTTP: create, search (q) with full keyset pages, archive; the page cache never serves stale lists.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consoleLogin, type ConsoleSession } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface SessionPage {
  sessions: Array<{ session_id: string; session_key: string; label: string | null; archived_at_unix_ms: number | null }>;
  next_after_session_id: string | null;
}

describe('console sessions', () => {
  let daemon: TestDaemon;
  let signedIn: ConsoleSession;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    signedIn = await consoleLogin(daemon, 'admin:sessions');
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  const list = async (query: string): Promise<SessionPage> => {
    const response = await signedIn.request(`/sessions${query}`);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as SessionPage;
  };

  test('q matches key or label case-insensitively; pages of 1 are full until the cursor ends', async () => {
    const labels = ['Deploy notes', 'groceries', 'DEPLOY checklist', 'travel', 'after the deploy'];
    for (const label of labels) {
      const created = await signedIn.request('/sessions', { method: 'POST', body: JSON.stringify({ session_label: label }) });
      assert.equal(created.status, 201);
    }
    const found: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const body: SessionPage = await list(`?q=deploy&limit=1${cursor ? `&after_session_id=${cursor}` : ''}`);
      found.push(...body.sessions.map((session) => session.label ?? ''));
      cursor = body.next_after_session_id;
      if (!cursor) break;
      assert.equal(body.sessions.length, 1);
    }
    assert.deepEqual(found, ['Deploy notes', 'DEPLOY checklist', 'after the deploy']);
    assert.equal((await list('?q=nothing-like-this')).sessions.length, 0);
    const tooLong = await signedIn.request(`/sessions?q=${'x'.repeat(201)}`);
    assert.equal(tooLong.status, 400);
  });

  test('a listed page reflects a new session and an archive made right after it was read', async () => {
    const before = (await list('?q=travel')).sessions;
    assert.equal(before.length, 1);
    const second = await signedIn.request('/sessions', { method: 'POST', body: JSON.stringify({ session_label: 'travel plans' }) });
    assert.equal(second.status, 201);
    assert.deepEqual((await list('?q=travel')).sessions.map((session) => session.label), ['travel', 'travel plans']);
    const archived = await signedIn.request(`/sessions/${before[0]?.session_id}/archive`, { method: 'POST', body: '{}' });
    assert.equal(archived.status, 200);
    assert.deepEqual((await list('?q=travel')).sessions.map((session) => session.label), ['travel plans']);
    const withArchived = (await list('?q=travel&include_archived=true')).sessions;
    assert.equal(withArchived.length, 2);
    assert.ok((withArchived[0]?.archived_at_unix_ms ?? 0) > 0);
  });
});
