// The first /healthz 200 of a starting palyrad means every listener accepts: the admin port listens last.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { DAEMON_BIN, makeStateDir, removeStateDir } from '../helpers/daemon.js';

const POLL_MS = 2;
const DEADLINE_MS = 20_000;

/** A TCP port and a UDP port that were free a moment ago (the daemon is told them, so it can be watched before its ready file). */
async function freePorts(): Promise<{ tcp: number[]; udp: number }> {
  const tcpPort = () =>
    new Promise<number>((resolvePort) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
      });
    });
  const udp = await new Promise<number>((resolvePort) => {
    const socket = createSocket('udp4').bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolvePort(port));
    });
  });
  return { tcp: [await tcpPort(), await tcpPort()], udp };
}

const healthz = (port: number) =>
  new Promise<number>((resolveStatus) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('error', () => resolveStatus(0));
    req.end();
  });

const tcpAccepts = (port: number) =>
  new Promise<boolean>((resolveAccepts) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.on('error', () => resolveAccepts(false));
  });

/** Whether something already holds the UDP port (our bind fails with EADDRINUSE). */
const udpTaken = (port: number) =>
  new Promise<boolean>((resolveTaken) => {
    const socket = createSocket('udp4');
    socket.once('error', (error: NodeJS.ErrnoException) => resolveTaken(error.code === 'EADDRINUSE'));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolveTaken(false)));
  });

test('palyrad starting → its first /healthz 200 comes when the gRPC port accepts and the QUIC port is bound', async () => {
  const stateDir = makeStateDir();
  const { tcp, udp } = await freePorts();
  const [httpPort = 0, grpcPort = 0] = tcp;
  const child = spawn(process.execPath, [DAEMON_BIN, '--state-dir', stateDir, '--http-port', String(httpPort), '--grpc-port', String(grpcPort), '--quic-port', String(udp)], {
    env: { ...process.env, PALYRA_ADMIN_TOKEN: '', PALYRA_LOG_LEVEL: 'warn', PALYRA_BROWSER_ENABLED: 'false' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  try {
    const deadline = Date.now() + DEADLINE_MS;
    while ((await healthz(httpPort)) !== 200) {
      assert.equal(child.exitCode, null, 'palyrad exited before /healthz answered');
      assert.ok(Date.now() < deadline, 'no /healthz 200 in time');
      await new Promise((resolveWait) => setTimeout(resolveWait, POLL_MS));
    }
    assert.equal(await tcpAccepts(grpcPort), true, 'gRPC port not accepting yet');
    assert.equal(await udpTaken(udp), true, 'QUIC port not bound yet');
  } finally {
    child.kill('SIGTERM');
    await exited;
    removeStateDir(stateDir);
  }
});
