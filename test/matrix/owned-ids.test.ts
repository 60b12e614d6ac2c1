// Another owner's run, session or approval id is answered exactly like an unknown id, on every door; the denial is still counted and journaled.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { consoleLogin, type ConsoleSession } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Clients, call, callError, collect, connect, type Identity, metadataFor } from '../helpers/grpc-client.js';

interface Owned {
  runId: string;
  sessionId: string;
  approvalId: string;
}

/** What a caller learns from a refusal: its code and message, with the id it named replaced by `<id>`. */
interface Answer {
  status: number | string;
  code: string;
  message: string;
}

let daemon: TestDaemon;
let clients: Clients;
const deviceId = newId();
let alice: Identity;
let bob: Identity;
let owned: Owned;
let consoleSession: ConsoleSession;

async function adminJson<T>(path: string, init: RequestInit = {}, token = daemon.adminToken): Promise<T> {
  const response = await fetch(`${daemon.ready.http}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), 'x-palyra-device-id': deviceId },
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function grpcAnswer(failing: Promise<grpc.ServiceError | null>, id: string): Promise<Answer> {
  const error = await failing;
  assert.ok(error, 'the call succeeded but was expected to fail');
  return { status: error.code, code: String(error.metadata.get('palyra-error-code')[0]), message: error.details.replaceAll(id, '<id>') };
}

async function httpAnswer(response: Response, id: string): Promise<Answer> {
  const body = (await response.json()) as { code: string; error: string; category: string; retryable: boolean };
  return { status: response.status, code: `${body.code}/${body.category}/${body.retryable}`, message: body.error.replaceAll(id, '<id>') };
}

async function denials(): Promise<number> {
  const text = await (await fetch(`${daemon.ready.http}/metrics`, { headers: { authorization: `Bearer ${daemon.adminToken}` } })).text();
  return Number(/^palyra_auth_denials_total\{code="permission_denied"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Each case asks about one id; it is run with the other owner's id and with an unknown one. */
type Probe = (id: string) => Promise<Answer>;

const grpcProbes: Array<[string, keyof Owned, Probe]> = [
  ['GetRun', 'runId', (id) => grpcAnswer(callError(clients.gateway, clients.gateway.getRun, { v: 1, runId: { ulid: id } }, bob), id)],
  ['AbortRun', 'runId', (id) => grpcAnswer(callError(clients.gateway, clients.gateway.abortRun, { v: 1, runId: { ulid: id }, reason: '' }, bob), id)],
  ['WatchRun', 'runId', (id) => grpcAnswer(collect(clients.gateway.watchRun({ v: 1, runId: { ulid: id }, afterSeq: -1 }, metadataFor(bob))).then((result) => result.error), id)],
  ['ListRuns of the session', 'sessionId', (id) => grpcAnswer(callError(clients.gateway, clients.gateway.listRuns, { v: 1, sessionId: { ulid: id }, afterRunId: '', limit: 0, states: [] }, bob), id)],
  [
    'ResolveSession (require_existing)',
    'sessionId',
    (id) => grpcAnswer(callError(clients.gateway, clients.gateway.resolveSession, { v: 1, sessionId: { ulid: id }, sessionKey: '', sessionLabel: '', requireExisting: true, resetSession: false }, bob), id),
  ],
  ['CleanupSession', 'sessionId', (id) => grpcAnswer(callError(clients.gateway, clients.gateway.cleanupSession, { v: 1, sessionId: { ulid: id }, sessionKey: '' }, bob), id)],
  ['GetApproval', 'approvalId', (id) => grpcAnswer(callError(clients.approvals, clients.approvals.getApproval, { v: 1, approvalId: { ulid: id } }, bob), id)],
  [
    'DecideApproval',
    'approvalId',
    (id) => grpcAnswer(callError(clients.approvals, clients.approvals.decideApproval, { v: 1, approvalId: { ulid: id }, approved: true, reason: '', decisionScope: 0, decisionScopeTtlMs: 0 }, bob), id),
  ],
];

const asBob = (path: string, init: RequestInit = {}) =>
  fetch(`${daemon.ready.http}${path}`, { ...init, headers: { authorization: `Bearer ${bob.token}`, 'x-palyra-device-id': deviceId, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

const httpProbes: Array<[string, keyof Owned, Probe]> = [
  ['GET /admin/v1/runs/:id', 'runId', async (id) => httpAnswer(await asBob(`/admin/v1/runs/${id}`), id)],
  ['GET /admin/v1/runs/:id/tape', 'runId', async (id) => httpAnswer(await asBob(`/admin/v1/runs/${id}/tape`), id)],
  ['POST /admin/v1/runs/:id/cancel', 'runId', async (id) => httpAnswer(await asBob(`/admin/v1/runs/${id}/cancel`, { method: 'POST', body: '{}' }), id)],
  ['GET /admin/v1/approvals/:id', 'approvalId', async (id) => httpAnswer(await asBob(`/admin/v1/approvals/${id}`), id)],
  ['POST /admin/v1/approvals/:id/decision', 'approvalId', async (id) => httpAnswer(await asBob(`/admin/v1/approvals/${id}/decision`, { method: 'POST', body: '{"approved":true}' }), id)],
];

describe('owned ids on every door', () => {
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000', PALYRA_APPROVALS_TIMEOUT_MS: '600000' } });
    clients = connect(daemon.ready.grpc);
    const mint = async (principal: string) =>
      (await adminJson<{ token: string }>('/admin/v1/api-tokens', { method: 'POST', body: JSON.stringify({ name: principal, principal, scopes: ['*'] }) })).token;
    alice = { token: await mint('user:alice'), deviceId };
    bob = { token: await mint('user:bob'), deviceId };
    // A run waiting on an approval: alice owns a run, its session and a pending approval.
    const run = await adminJson<{ run_id: string; session_id: string }>(
      '/admin/v1/runs',
      { method: 'POST', body: JSON.stringify({ prompt: '@tool palyra.process.run {"command":"echo","args":[]}', wait: false }) },
      alice.token,
    );
    const deadline = Date.now() + 10_000;
    let approvalId: string | undefined;
    while (!approvalId) {
      const page = await adminJson<{ approvals: { approval_id: string }[] }>('/admin/v1/approvals?pending=true', {}, alice.token);
      approvalId = page.approvals[0]?.approval_id;
      if (Date.now() > deadline) throw new Error('no approval appeared');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    owned = { runId: run.run_id, sessionId: run.session_id, approvalId };
    consoleSession = await consoleLogin(daemon);
  });
  after(async () => {
    clients.close();
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  for (const [door, probes] of [
    ['gRPC', grpcProbes],
    ['HTTP admin', httpProbes],
  ] as const) {
    for (const [name, kind, probe] of probes) {
      test(`${door} ${name}: another owner's id and an unknown id → the same not_found answer`, async () => {
        const foreign = await probe(owned[kind]);
        const unknown = await probe(newId());
        assert.deepEqual(foreign, unknown);
        assert.match(foreign.code, /^not_found/);
      });
    }
  }

  test('console (admin principals only, so every id is visible): an unknown id → the same not_found shape', async () => {
    const id = newId();
    const answer = await httpAnswer(await consoleSession.request(`/runs/${id}`), id);
    assert.deepEqual(answer, { status: 404, code: 'not_found/client/false', message: 'run not found: <id>' });
    assert.equal((await consoleSession.request(`/runs/${owned.runId}`)).status, 200);
  });

  test('a refusal of a foreign id is still a denial: counted in /metrics and journaled as auth.denied', async () => {
    const before = await denials();
    await grpcProbes[0]?.[2](owned.runId);
    await httpProbes[0]?.[2](owned.runId);
    await grpcProbes[0]?.[2](newId());
    assert.equal(await denials(), before + 2);
    const journal = await adminJson<{ events: { kind: string; principal: string; payload_json: string }[] }>('/admin/v1/journal/events?limit=1000');
    const denied = journal.events.filter((event) => event.kind === 'auth.denied' && event.principal === 'user:bob' && event.payload_json.includes(owned.runId));
    assert.ok(denied.length >= 2, JSON.stringify(denied));
  });

  test('the owner still reaches its ids', async () => {
    const got = await call(clients.gateway, clients.gateway.getRun, { v: 1, runId: { ulid: owned.runId } }, alice);
    assert.equal(got.run?.principal, 'user:alice');
  });
});
