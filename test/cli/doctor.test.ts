// palyra doctor against the real daemon: a healthy setup passes; a taken port, a wrong token and a 0755 state dir fail with their fix.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { makeStateDir, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

interface DoctorReport {
  checks: { name: string; status: string; summary: string; fix?: string }[];
  ok: number;
  warn: number;
  fail: number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function writeToml(stateDir: string, ports: { http: number; grpc: number; quic: number }): void {
  writeFileSync(join(stateDir, 'palyra.toml'), `[http]\nport = ${ports.http}\n[grpc]\nport = ${ports.grpc}\n[quic]\nport = ${ports.quic}\n`);
}

/** Runs `palyra doctor` as a fresh user would (no stored login), against `stateDir`. */
async function doctor(stateDir: string, args: string[] = []): Promise<{ code: number | null; stdout: string; report?: DoctorReport }> {
  const home = mkdtempSync(join(tmpdir(), 'palyra-doctor-home-'));
  try {
    const result = await runCli(['doctor', '--state-dir', stateDir, ...args], { env: { XDG_CONFIG_HOME: home }, cwd: home, timeoutMs: 30_000 });
    return { code: result.code, stdout: result.stdout, ...(args.includes('--json') ? { report: JSON.parse(result.stdout) as DoctorReport } : {}) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function checkNamed(report: DoctorReport | undefined, name: string) {
  const found = report?.checks.find((item) => item.name === name);
  assert.ok(found, `no check ${name} in ${JSON.stringify(report)}`);
  return found;
}

describe('palyra doctor with a running daemon', () => {
  let daemon: TestDaemon;

  before(async () => {
    const stateDir = makeStateDir();
    const ports = { http: await freePort(), grpc: await freePort(), quic: await freePort() };
    writeToml(stateDir, ports);
    daemon = await startDaemon({ stateDir, args: ['--http-port', String(ports.http), '--grpc-port', String(ports.grpc), '--quic-port', String(ports.quic)] });
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('healthy setup → exit 0; runtime, state, ports, HTTP, gRPC, QUIC handshake, credential, CA and clock all ok', async () => {
    const { code, report } = await doctor(daemon.stateDir, ['--json']);
    assert.equal(code, 0, JSON.stringify(report));
    const required = ['node', 'native:better-sqlite3', 'native:@matrixai/quic', 'config', 'state-dir', 'admin-token', 'port:http', 'port:grpc', 'port:quic', 'daemon:http', 'daemon:grpc', 'daemon:quic', 'credential', 'tls:daemon-ca', 'clock'];
    for (const name of required) assert.equal(checkNamed(report, name).status, 'ok', `${name}: ${checkNamed(report, name).summary}`);
    assert.equal(checkNamed(report, 'tls:cert').status, 'skip');
    assert.equal(report?.fail, 0);
    assert.equal(report?.ok, report?.checks.filter((item) => item.status === 'ok').length);
  });

  test('wrong --token → exit 1; the credential check fails with a fix naming palyra login and --token', async () => {
    const { code, report } = await doctor(daemon.stateDir, ['--json', '--token', 'x'.repeat(40)]);
    assert.equal(code, 1);
    const credential = checkNamed(report, 'credential');
    assert.equal(credential.status, 'fail');
    assert.match(credential.fix ?? '', /palyra login.*--token/);
  });

  test('human output on a pipe: one line per check and a tally, no escape codes', async () => {
    const { code, stdout } = await doctor(daemon.stateDir);
    assert.equal(code, 0, stdout);
    assert.doesNotMatch(stdout, /\x1b\[/);
    assert.match(stdout, /^✔ daemon:quic +QUIC handshake with /m);
    assert.match(stdout, /^\d+ ok, \d+ warn, 0 fail, \d+ skipped$/m);
  });

  test('state dir mode 0755, admin-token 0644 → exit 1; the checks fail with `chmod 700 <dir>` and `chmod 600 <file>`', async () => {
    const tokenFile = join(daemon.stateDir, 'admin-token');
    chmodSync(daemon.stateDir, 0o755);
    chmodSync(tokenFile, 0o644);
    try {
      const { code, report } = await doctor(daemon.stateDir, ['--json']);
      assert.equal(code, 1);
      const stateDir = checkNamed(report, 'state-dir');
      assert.equal(stateDir.status, 'fail');
      assert.match(stateDir.summary, /mode 0755/);
      assert.equal(stateDir.fix, `chmod 700 ${daemon.stateDir}`);
      const token = checkNamed(report, 'admin-token');
      assert.equal(token.status, 'fail');
      assert.match(token.fix ?? '', new RegExp(`^chmod 600 ${tokenFile} `));
    } finally {
      chmodSync(daemon.stateDir, 0o700);
      chmodSync(tokenFile, 0o600);
    }
  });
});

describe('palyra doctor with the HTTP port taken by another process', () => {
  let holder: net.Server;
  let stateDir: string;

  before(async () => {
    holder = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    stateDir = makeStateDir();
    writeToml(stateDir, { http: (holder.address() as net.AddressInfo).port, grpc: await freePort(), quic: await freePort() });
  });
  after(async () => {
    await new Promise((resolve) => holder.close(resolve));
    removeStateDir(stateDir);
  });

  test('no daemon, port held by this test → exit 1; port:http fails naming this pid and --http-port / PALYRA_HTTP_PORT', async () => {
    const { code, report } = await doctor(stateDir, ['--json']);
    assert.equal(code, 1);
    const port = checkNamed(report, 'port:http');
    assert.equal(port.status, 'fail');
    assert.match(port.summary, new RegExp(`held by pid ${process.pid} \\(`));
    assert.match(port.fix ?? '', /--http-port <port> \/ PALYRA_HTTP_PORT/);
    assert.equal(checkNamed(report, 'port:grpc').status, 'ok');
    for (const name of ['daemon:grpc', 'daemon:quic', 'credential', 'clock']) assert.equal(checkNamed(report, name).status, 'skip', name);
  });
});
