// The daemon's browser service end to end: the supervised palyra-browserd, an agent run (built-in model) that navigates,
// is approved per site, observes and screenshots over HTTP and gRPC, the artifact download, and a browserd crash.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { html, startSite, type TestSite } from '../helpers/browserd.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { approvalRequest, type Clients, collect, connect, metadataFor, openRequest } from '../helpers/grpc-client.js';

interface BrowserStatusWire { enabled: boolean; state: string; reason: string; restarts: number; last_error: string | null }
interface TapeEvent { seq: number; event_type: string; payload: Record<string, unknown> }

const PAGE = '<!doctype html><title>Daemon page</title><h1>Hello from the test site</h1><button id="b" onclick="this.textContent=\'clicked\'">press</button>';

describe('browser service in the daemon (real palyra-browserd and Chromium)', () => {
  let daemon: TestDaemon;
  let site: TestSite;
  let clients: Clients;
  let pageUrl: string;

  before(async () => {
    site = await startSite('127.0.0.2', (_req, res) => html(res, PAGE));
    pageUrl = `${site.origin}/`;
    daemon = await startDaemon({ env: { PALYRA_BROWSER_ENABLED: 'true', PALYRA_BROWSER_ALLOW_PRIVATE_HOSTS: '127.0.0.2', PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000' } });
    clients = connect(daemon.ready.grpc);
    await waitForBrowser(daemon, (status) => status.state === 'up');
  });
  after(async () => {
    clients?.close();
    await daemon?.stop();
    if (daemon) removeStateDir(daemon.stateDir);
    await site?.close();
  });

  test('enabled with Chromium on PATH → status says up and why; the service token file is 0600', async () => {
    const status = await browserStatus(daemon);
    assert.equal(status.enabled, true);
    assert.match(status.reason, /^on: browser.enabled = true/);
    const mode = (await import('node:fs')).statSync(`${daemon.stateDir}/browserd-token`).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.ok(!daemon.output().includes(readFileSync(`${daemon.stateDir}/browserd-token`, 'utf8').trim()), 'the token never reaches the log');
  });

  test('agent run over HTTP: navigate asks, allowed for the session; observe and screenshot run unasked; the screenshot downloads as PNG', async () => {
    const sessionKey = `browser-${newId()}`;
    const prompt = `browse\n@tool palyra.browser.navigate {"url":"${pageUrl}"}\n@tool palyra.browser.observe {}\n@tool palyra.browser.screenshot {}`;
    const tape = await runOverHttp(daemon, prompt, sessionKey, 'session');
    assert.equal(tape.filter((event) => event.event_type === 'tool_approval_request').length, 1, 'only the navigation asks');
    const results = tape.filter((event) => event.event_type === 'tool_result').map((event) => ({ success: event.payload['success'], output: JSON.parse(String(event.payload['output_json'])) as Record<string, unknown> }));
    assert.deepEqual(results.map((result) => result.success), [true, true, true]);
    assert.equal(results[0]!.output['title'], 'Daemon page');
    assert.match(String(results[1]!.output['visible_text']), /Hello from the test site/);
    const artifactId = String(results[2]!.output['artifact_id']);
    assert.ok(!JSON.stringify(tape).includes('iVBOR'), 'no base64 PNG in the tape');

    const artifact = await daemon.admin(`/admin/v1/browser/artifacts/${artifactId}`);
    assert.equal(artifact.status, 200);
    assert.equal(artifact.headers.get('content-type'), 'image/png');
    const bytes = Buffer.from(await artifact.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    // The same chat session: the site was allowed for the session, so a second navigation and a click run unasked.
    const again = await runOverHttp(daemon, `again\n@tool palyra.browser.navigate {"url":"${pageUrl}?2"}\n@tool palyra.browser.click {"selector":"#b"}`, sessionKey, 'none');
    assert.equal(again.filter((event) => event.event_type === 'tool_approval_request').length, 0);
    assert.ok(again.filter((event) => event.event_type === 'tool_result').every((event) => event.payload['success'] === true));

    const sessions = (await (await daemon.admin('/admin/v1/browser/sessions')).json()) as { sessions: { session_id: string; current_url: string; latest_screenshot_id: string; state: string }[] };
    const mine = sessions.sessions.find((session) => session.latest_screenshot_id === artifactId);
    assert.ok(mine, 'the session is listed with its latest screenshot');
    assert.equal(mine.state, 'open');
    assert.equal(mine.current_url, `${pageUrl}?2`);
    const actions = (await (await daemon.admin(`/admin/v1/browser/sessions/${mine.session_id}/actions`)).json()) as { actions: { action: string }[] };
    assert.deepEqual(actions.actions.map((entry) => entry.action), ['createSession', 'navigate', 'observe', 'screenshot', 'navigate', 'click']);
    const latest = await daemon.admin(`/admin/v1/browser/sessions/${mine.session_id}/screenshot`);
    assert.equal(latest.status, 200);
    assert.deepEqual(Buffer.from(await latest.arrayBuffer()), bytes);
    const closed = await daemon.admin(`/admin/v1/browser/sessions/${mine.session_id}/close`, { method: 'POST', body: '{}' });
    assert.equal(((await closed.json()) as { session: { state: string } }).session.state, 'closed');
  });

  test('agent run over gRPC RunStream: the approval answered in the stream → navigate, observe and screenshot succeed', async () => {
    const admin = { token: daemon.adminToken, principal: 'admin:ops', deviceId: newId() };
    const open = openRequest(`@tool palyra.browser.navigate {"url":"${pageUrl}"}\n@tool palyra.browser.observe {}\n@tool palyra.browser.screenshot {}`);
    const stream = clients.gateway.runStream(metadataFor(admin));
    stream.write(open);
    const result = await collect(stream, (event) => {
      if (event.body?.$case === 'toolApprovalRequest') {
        stream.write(approvalRequest(event.body.value.proposalId?.ulid as string, event.body.value.approvalId?.ulid as string, true, 2));
        stream.end();
      }
    });
    assert.equal(result.error, null);
    const outcomes = result.events.flatMap((event) => (event.body?.$case === 'toolResult' ? [event.body.value] : []));
    assert.deepEqual(outcomes.map((outcome) => outcome.success), [true, true, true]);
    assert.match(outcomes[2]!.outputJson.toString(), /"artifact_id":"[0-9A-Z]{26}"/);
  });

  test('another site in the same chat session → asked again; denied → the navigation does not happen', async () => {
    const sessionKey = `browser-${newId()}`;
    const tape = await runOverHttp(daemon, `@tool palyra.browser.navigate {"url":"http://127.0.0.3:9/"}`, sessionKey, 'deny');
    const result = tape.find((event) => event.event_type === 'tool_result');
    assert.equal(result?.payload['success'], false);
    assert.match(String(result?.payload['error']), /^denied/);
  });

  test('palyra-browserd killed mid-session → status reports it and the restart; a new run browses again', async () => {
    const pid = browserdPid(daemon.process.pid as number);
    process.kill(pid, 'SIGKILL');
    const restarted = await waitForBrowser(daemon, (status) => status.restarts >= 1 && status.state === 'up');
    assert.match(String(restarted.last_error), /palyra-browserd exited \(SIGKILL\)/);
    const metrics = await (await daemon.admin('/metrics')).text();
    assert.match(metrics, /palyra_browser_service_restarts [1-9]/);
    const tape = await runOverHttp(daemon, `@tool palyra.browser.navigate {"url":"${pageUrl}"}`, `browser-${newId()}`, 'once');
    assert.equal(tape.find((event) => event.event_type === 'tool_result')?.payload['success'], true);
    const sessions = (await (await daemon.admin('/admin/v1/browser/sessions')).json()) as { sessions: { state: string }[] };
    assert.ok(sessions.sessions.some((session) => session.state === 'lost'), 'sessions of the dead process are reported lost');
  });
});

async function browserStatus(daemon: TestDaemon): Promise<BrowserStatusWire> {
  const status = (await (await daemon.admin('/admin/v1/status')).json()) as { browser: BrowserStatusWire };
  return status.browser;
}

/** Polls the status until `ready` holds (bounded: 30 s). */
async function waitForBrowser(daemon: TestDaemon, ready: (status: BrowserStatusWire) => boolean): Promise<BrowserStatusWire> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await browserStatus(daemon);
    if (ready(status)) return status;
    if (Date.now() > deadline) throw new Error(`browser service not ready: ${JSON.stringify(status)}\n${daemon.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a run, answers each approval as told, waits for the end and returns its tape. */
async function runOverHttp(daemon: TestDaemon, prompt: string, sessionKey: string, answer: 'session' | 'once' | 'deny' | 'none'): Promise<TapeEvent[]> {
  const started = await daemon.admin('/admin/v1/runs', { method: 'POST', body: JSON.stringify({ prompt, session_key: sessionKey, wait: false }) });
  assert.equal(started.status, 202, await started.clone().text());
  const runId = ((await started.json()) as { run_id: string }).run_id;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = (await (await daemon.admin(`/admin/v1/runs/${runId}`)).json()) as { state: string };
    if (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled') break;
    if (answer !== 'none') {
      const pending = (await (await daemon.admin(`/admin/v1/approvals?pending=true&run_id=${runId}`)).json()) as { approvals: { approval_id: string }[] };
      for (const approval of pending.approvals) {
        const body = answer === 'deny' ? { approved: false, reason: 'test' } : { approved: true, decision_scope: answer };
        await (await daemon.admin(`/admin/v1/approvals/${approval.approval_id}/decision`, { method: 'POST', body: JSON.stringify(body) })).arrayBuffer();
      }
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const tape = (await (await daemon.admin(`/admin/v1/runs/${runId}/tape?after_seq=-1&limit=1000`)).json()) as { events: TapeEvent[] };
  return tape.events;
}

/** The daemon's palyra-browserd child, found through /proc. */
function browserdPid(daemonPid: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === daemonPid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('palyra-browserd')) return Number(entry);
    } catch {
      continue;
    }
  }
  throw new Error('no palyra-browserd child found');
}
