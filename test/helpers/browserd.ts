// Starts the real palyra-browserd (dist/bin) for a test file, with a gRPC client and local "sites" on 127.0.0.x.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BrowserServiceClient } from '../../src/gen/palyra/browser/v1/browser.js';
import { call, callError, type Identity } from './grpc-client.js';

export const BROWSERD_BIN = resolve('dist/bin/palyra-browserd.js');
export const BROWSERD_TOKEN = 'browserd-test-token-0123456789abcdef';

export interface BrowserdReady {
  event: 'ready';
  grpc: string;
  health: string;
  chromium: string;
  version: string;
}

export interface TestBrowserd {
  ready: BrowserdReady;
  client: BrowserServiceClient;
  process: ChildProcess;
  /** stderr so far (structured JSON logs). */
  logs(): string;
  /** A unary call as `principal` with the service token. */
  as<Req, Res>(principal: string, method: (client: BrowserServiceClient) => UnaryMethod<Req, Res>, request: Req): Promise<Res>;
  failAs<Req, Res>(principal: string, method: (client: BrowserServiceClient) => UnaryMethod<Req, Res>, request: Req): Promise<grpc.ServiceError>;
  stop(): Promise<number | string>;
}

type UnaryMethod<Req, Res> = Parameters<typeof call<Req, Res>>[1];

/** Spawns browserd on ephemeral loopback ports and waits for its ready line. */
export async function startTestBrowserd(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<TestBrowserd> {
  if (!existsSync(BROWSERD_BIN)) throw new Error(`${BROWSERD_BIN} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [BROWSERD_BIN, '--grpc-listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, PALYRA_BROWSERD_TOKEN: BROWSERD_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? -1)));
  const ready = await new Promise<BrowserdReady>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`browserd was not ready in time:\n${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        done(JSON.parse(line) as BrowserdReady);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`browserd exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  const client = new BrowserServiceClient(ready.grpc, grpc.credentials.createInsecure());
  const identity = (principal: string): Identity => ({ token: BROWSERD_TOKEN, principal });
  return {
    ready,
    client,
    process: child,
    logs: () => stderr,
    as: (principal, method, request) => call(client, method(client), request, identity(principal)),
    failAs: (principal, method, request) => callError(client, method(client), request, identity(principal)),
    async stop() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface TestSite {
  /** e.g. http://127.0.0.2:PORT */
  origin: string;
  server: http.Server;
  close(): Promise<void>;
}

export type SiteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** An HTTP server on `host` (an address of 127.0.0.0/8), port 0. */
export async function startSite(host: string, handler: SiteHandler): Promise<TestSite> {
  const server = http.createServer(handler);
  await new Promise<void>((done) => server.listen(0, host, done));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export function html(res: http.ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
}
