// Doctor checks against the running daemon: reachable over HTTP (/healthz), gRPC (GetHealth) and QUIC (a pinned handshake),
// the credential accepted, and the clock skew between here and there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CA_CERT_FILE, CA_DIR } from '../../infra/crypto/daemon-ca.js';
import { fingerprintSha256, pemToDer } from '../../infra/crypto/fingerprint.js';
import { GatewayServiceClient, type GetHealthResponse } from '../../gen/palyra/gateway/v1/gateway.js';
import type { GlobalOptions } from '../global-options.js';
import { adminClient, ApiError, send } from '../http-client.js';
import { check, errorText, type CheckResult } from './check.js';
import type { DoctorTarget } from './doctor-target.js';

const PROBE_TIMEOUT_MS = 3_000;
const SKEW_WARN_MS = 5_000;
const SKEW_FAIL_MS = 60_000;
const START_DAEMON = 'start palyrad (`npm start` or `palyrad`), or point --state-dir / --url at the daemon you mean';

/** What the HTTP probe learnt: whether palyrad answered, and the `Date` it sent with the request's round trip. */
export interface HttpProbe {
  result: CheckResult;
  reachable: boolean;
  /** Local clock at the request's midpoint and the server's Date header, for the skew check. */
  clock?: { localMidMs: number; serverDateMs: number; rttMs: number };
}

function connectionReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listens there)';
  return errorText(error);
}

export async function probeHttp(url: string): Promise<HttpProbe> {
  const started = Date.now();
  try {
    const response = await send(new URL('/healthz', `${url}/`), { method: 'GET', headers: { accept: 'application/json' }, timeoutMs: PROBE_TIMEOUT_MS });
    const finished = Date.now();
    let body: { service?: unknown; version?: unknown } = {};
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      // Not JSON: reported below as "not palyrad".
    }
    if (response.status !== 200 || body.service !== 'palyrad') {
      return { reachable: false, result: check('daemon:http', 'fail', `${url}/healthz answered HTTP ${response.status}, not palyrad's health`, `another server holds that address: ${START_DAEMON}`) };
    }
    const date = response.headers.date;
    const serverDateMs = typeof date === 'string' ? Date.parse(date) : Number.NaN;
    return {
      reachable: true,
      result: check('daemon:http', 'ok', `palyrad ${String(body.version)} answers at ${url} (${finished - started} ms)`),
      ...(Number.isNaN(serverDateMs) ? {} : { clock: { localMidMs: (started + finished) / 2, serverDateMs, rttMs: finished - started } }),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
      return { reachable: false, result: check('daemon:http', 'warn', `palyrad is not running at ${url}: ${connectionReason(error)}`, START_DAEMON) };
    }
    const reason = error instanceof ApiError ? error.message : `${url}: ${connectionReason(error)}`;
    return { reachable: false, result: check('daemon:http', 'fail', `palyrad does not answer over HTTP: ${reason}`, `is another server on that port? ${START_DAEMON}`) };
  }
}

export async function grpcCheck(address: string): Promise<CheckResult> {
  const client = new GatewayServiceClient(address, grpc.credentials.createInsecure());
  try {
    const health = await new Promise<GetHealthResponse>((resolve, reject) => {
      client.getHealth({ v: 1 }, new grpc.Metadata(), { deadline: Date.now() + PROBE_TIMEOUT_MS }, (error, response) => (error ? reject(error) : resolve(response)));
    });
    if (health.service !== 'palyrad') return check('daemon:grpc', 'fail', `the gRPC server at ${address} is not palyrad (service ${health.service})`, START_DAEMON);
    return check('daemon:grpc', 'ok', `GetHealth at ${address}: ${health.status}`);
  } catch (error) {
    const details = (error as grpc.ServiceError).details || errorText(error);
    return check('daemon:grpc', 'fail', `GetHealth at ${address} failed: ${details}`, `check the gRPC port (--grpc-port / PALYRA_GRPC_PORT) and --grpc / PALYRA_GRPC`);
  } finally {
    client.close();
  }
}

/** A real QUIC handshake to the node listener, the server chain pinned to the daemon CA found in the state dir. */
export async function quicCheck(target: DoctorTarget): Promise<CheckResult> {
  const { host, port } = target.quic;
  if (port === 0) return check('daemon:quic', 'skip', 'quic.port is 0 (palyrad picks a free port at start): no fixed address to dial');
  const caPath = join(target.config.stateDir, CA_DIR, CA_CERT_FILE);
  if (!existsSync(caPath)) return check('daemon:quic', 'skip', `no daemon CA at ${caPath} to pin the handshake to`);
  let caFingerprint: string;
  try {
    caFingerprint = fingerprintSha256(pemToDer(readFileSync(caPath, 'utf8'), 'CERTIFICATE'));
  } catch (error) {
    return check('daemon:quic', 'fail', `cannot read the daemon CA ${caPath}: ${errorText(error)}`, 'restore the CA from a backup, or remove the ca directory and pair every node again');
  }
  const { dial } = await import('../node-host/dial.js');
  const started = Date.now();
  try {
    const link = await dial({ host, port, caFingerprint, transport: 'quic', timeoutMs: PROBE_TIMEOUT_MS });
    const elapsed = Date.now() - started;
    await link.close();
    return check('daemon:quic', 'ok', `QUIC handshake with ${host}:${port} (server certificate issued by the daemon CA, ${elapsed} ms)`);
  } catch (error) {
    if (/TLS verification/i.test(errorText(error))) {
      return check('daemon:quic', 'fail', `the QUIC server at ${host}:${port} presents a certificate not issued by the daemon CA in ${target.config.stateDir}`, 'another palyrad (with another state dir) holds that port: point --state-dir at its state dir, or stop it');
    }
    return check('daemon:quic', 'fail', errorText(error), 'check the QUIC (UDP) port (--quic-port / PALYRA_QUIC_PORT) and that no firewall drops UDP; nodes fall back to TLS over TCP on the same port');
  }
}

/** An authenticated admin call with the credential every other command would use. */
export async function credentialCheck(globals: GlobalOptions, target: DoctorTarget): Promise<CheckResult> {
  const fix = `run \`palyra login\`, pass --token (or set PALYRA_ADMIN_TOKEN), or point --state-dir at the daemon's state directory (palyrad keeps its admin token in ${join(target.config.stateDir, 'admin-token')})`;
  const options: GlobalOptions = { ...globals, url: target.url, grpc: target.grpc, urlGiven: true, grpcGiven: true, stateDir: target.config.stateDir };
  try {
    const status = await adminClient(options).get<{ version: string }>('/admin/v1/status');
    return check('credential', 'ok', `GET /admin/v1/status accepted (palyrad ${status.version})`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'unauthenticated') return check('credential', 'fail', `palyrad refuses the credential: ${error.message}`, fix);
    if (error instanceof ApiError && error.code === 'permission_denied') return check('credential', 'warn', `the credential works but may not read the status: ${error.message}`, 'use the admin token or a token with the needed scope');
    return check('credential', 'fail', errorText(error), fix);
  }
}

/** The daemon's `Date` header (1 s resolution, hence the half second added) against the local clock at the request's midpoint. */
export function clockCheck(clock: HttpProbe['clock']): CheckResult {
  if (!clock) return check('clock', 'skip', 'palyrad sent no Date header');
  const skewMs = clock.serverDateMs + 500 - clock.localMidMs;
  const text = `${skewMs >= 0 ? '+' : '-'}${(Math.abs(skewMs) / 1000).toFixed(1)} s against palyrad (±0.5 s, round trip ${clock.rttMs} ms)`;
  const fix = 'synchronise the clocks (NTP: timedatectl set-ntp true); certificates and tokens carry times';
  if (Math.abs(skewMs) > SKEW_FAIL_MS) return check('clock', 'fail', `clock skew ${text}`, fix);
  if (Math.abs(skewMs) > SKEW_WARN_MS) return check('clock', 'warn', `clock skew ${text}`, fix);
  return check('clock', 'ok', `skew ${text}`);
}
