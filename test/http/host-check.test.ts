// The Host check against DNS rebinding: a loopback bind answers loopback names and http.allowed_hosts only (Host and :authority).
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { TEST_DEVICE_ID } from '../helpers/console-session.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { h2Answer, type RawAnswer, rawRequest } from '../helpers/raw-http.js';

describe('Host check on a loopback bind', () => {
  let daemon: TestDaemon;
  let port: number;
  before(async () => {
    daemon = await startDaemon({ env: { PALYRA_HTTP_RATE_LIMIT_PER_SECOND: '100000', PALYRA_HTTP_ALLOWED_HOSTS: 'palyra.example' } });
    port = Number(new URL(daemon.ready.http).port);
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  /** POST /console/v1/auth/login with the admin token, naming `host` as Host and as Origin, as a rebound page would. */
  function loginAs(host: string): Promise<RawAnswer> {
    const body = JSON.stringify({ admin_token: daemon.adminToken, principal: 'admin:rebind', device_id: TEST_DEVICE_ID });
    return rawRequest(
      port,
      `POST /console/v1/auth/login HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  const get = (host: string) => rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

  function assertMisdirected(answer: RawAnswer): void {
    assert.equal(answer.status, 421, answer.body);
    assert.equal(answer.headers['x-frame-options'], 'DENY');
    const body = JSON.parse(answer.body) as { code: string; error: string };
    assert.equal(body.code, 'invalid_argument');
    assert.match(body.error, /allowed_hosts/);
  }

  test('login with Host rebind.example:PORT and the matching Origin (DNS rebinding) → 421 envelope, no session cookie', async () => {
    const answer = await loginAs(`rebind.example:${port}`);
    assertMisdirected(answer);
    assert.equal(answer.headers['set-cookie'], undefined);
  });

  test('GET /healthz with a foreign Host → 421 (safe methods too: a rebound page may read)', async () => {
    assertMisdirected(await get(`rebind.example:${port}`));
    assertMisdirected(await get('rebind.example'));
  });

  for (const host of ['localhost', 'LOCALHOST.', '127.0.0.1', '127.0.0.2', '[::1]', 'palyra.example', 'Palyra.Example']) {
    test(`Host ${host}:PORT → served`, async () => {
      assert.equal((await get(`${host}:${port}`)).status, 200);
    });
  }

  test('login with Host palyra.example:PORT (http.allowed_hosts) and the matching Origin → 200', async () => {
    assert.equal((await loginAs(`palyra.example:${port}`)).status, 200);
  });

  test('HTTP/2 :authority rebind.example:PORT → 421; :authority 127.0.0.1 with a foreign host header → 421; localhost → 200', async () => {
    const session = http2.connect(daemon.ready.http);
    try {
      const rebound = await h2Answer(session, { ':path': '/healthz', ':authority': `rebind.example:${port}` });
      assert.equal(rebound.status, 421, rebound.body);
      assert.equal((JSON.parse(rebound.body) as { code: string }).code, 'invalid_argument');
      assert.equal((await h2Answer(session, { ':path': '/healthz', ':authority': `127.0.0.1:${port}`, host: `rebind.example:${port}` })).status, 421);
      assert.equal((await h2Answer(session, { ':path': '/healthz', ':authority': `localhost:${port}` })).status, 200);
    } finally {
      session.close();
    }
  });
});
