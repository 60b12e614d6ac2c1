// Errors a person meets first: palyrad on a taken port names the port, flag, env and toml key; palyra with no daemon names the address.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { DAEMON_BIN } from '../helpers/daemon.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('palyrad on a taken port', () => {
  let holder: net.Server;
  let port: number;
  let stateDir: string;

  before(async () => {
    holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as net.AddressInfo).port;
    stateDir = mkdtempSync(join(tmpdir(), 'palyra-ports-'));
  });
  after(async () => {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(stateDir, { recursive: true, force: true });
  });

  function palyrad(args: string[]) {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
    return spawnSync(process.execPath, [DAEMON_BIN, '--state-dir', stateDir, '--http-port', '0', '--grpc-port', '0', '--quic-port', '0', '--log-level', 'silent', ...args], { env, encoding: 'utf8', timeout: 30_000 });
  }

  const cases: Array<[string, string, string, string, string]> = [
    ['gRPC', '--grpc-port', 'PALYRA_GRPC_PORT', '[grpc] port', 'gRPC'],
    ['HTTP', '--http-port', 'PALYRA_HTTP_PORT', '[http] port', 'admin HTTP'],
  ];
  for (const [name, flag, env, key, label] of cases) {
    test(`${name} port in use → exit 1 naming the port, ${flag}, ${env} and ${key}; no library text`, () => {
      const result = palyrad([flag, String(port)]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^palyrad: the ${label} port 127\\.0\\.0\\.1:${port} is already in use$`, 'm'));
      const hint = /^hint: (.*)$/m.exec(result.stderr)?.[1] ?? '';
      for (const word of [flag, env, key]) assert.ok(hint.includes(word), `${word} missing from: ${hint}`);
      assert.doesNotMatch(result.stderr, /No address added|this is unexpected|\n\s+at /);
    });
  }

  test('QUIC (UDP) port in use → exit 1 naming --quic-port', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const result = palyrad(['--quic-port', String(socket.address().port)]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /^palyrad: the node RPC \(QUIC\/UDP and its TCP fallback\) port 127\.0\.0\.1:\d+ is already in use$/m);
      assert.match(result.stderr, /^hint: .*--quic-port \(env PALYRA_QUIC_PORT, or \[quic\] port in palyra\.toml/m);
    } finally {
      socket.close();
    }
  });
});

describe('palyra with no daemon', () => {
  test('an HTTP command → exit 3, the address and "connection refused", a hint to start palyrad', async () => {
    const port = await freePort();
    const result = await runCli(['--url', `http://127.0.0.1:${port}`, '--token', 'x', 'status']);
    assert.equal(result.code, 3);
    assert.equal(result.stderr.split('\n')[0], `palyra: cannot reach palyrad at 127.0.0.1:${port}: connection refused (nothing listens there)`);
    assert.match(result.stderr, /^hint: is palyrad running\? start it with `npm start`/m);
  });

  test('a daemon that accepts but never answers → exit 3 "did not answer within", not "cannot reach"', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const result = await runCli(['--url', `http://127.0.0.1:${port}`, '--token', 'x', 'nodes', 'invoke', '01ARZ3NDEKTSV4RRFFQ69G5FB0', 'echo', '--timeout', '100ms']);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, new RegExp(`^palyra: palyrad at http://127\\.0\\.0\\.1:${port} did not answer within \\d+ ms$`, 'm'));
      assert.match(result.stderr, /^hint: the daemon did not answer in time/m);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a gRPC command → exit 3 naming the gateway address, without gRPC library text', async () => {
    const port = await freePort();
    const result = await runCli(['--grpc', `127.0.0.1:${port}`, '--token', 'x', 'sessions', 'list']);
    assert.equal(result.code, 3);
    assert.equal(result.stderr.split('\n')[0], `palyra: cannot reach palyrad's gRPC gateway at 127.0.0.1:${port}`);
    assert.doesNotMatch(result.stderr, /No connection established|14 UNAVAILABLE/);
  });
});
