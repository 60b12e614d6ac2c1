// Unary gRPC throughput: GetHealth and an authenticated WhoAmI through our gateway vs a bare grpc-js server, same run.
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { AuthServiceService, WhoAmIResponse } from '../src/gen/palyra/auth/v1/auth.js';
import { GatewayServiceService, GetHealthResponse } from '../src/gen/palyra/gateway/v1/gateway.js';
import { createGrpcServer } from '../src/transport/grpc/server.js';
import { createCoreFixture, TEST_ADMIN_TOKEN } from '../test/helpers/core-fixture.js';
import { connect, metadataFor } from '../test/helpers/grpc-client.js';

const PHASE_MS = 2_000;

async function bareServer(): Promise<{ port: number; close: () => void }> {
  const server = new grpc.Server();
  const health = GetHealthResponse.fromPartial({ v: 1, service: 'palyrad', status: 'ok', version: 'bare' });
  server.addService(GatewayServiceService, { getHealth: (_call: unknown, callback: grpc.sendUnaryData<GetHealthResponse>) => callback(null, health) });
  server.addService(AuthServiceService, {
    whoAmI: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<WhoAmIResponse>) => {
      const token = call.metadata.get('authorization')[0];
      if (token !== `Bearer ${TEST_ADMIN_TOKEN}`) return callback({ code: grpc.status.UNAUTHENTICATED });
      callback(null, WhoAmIResponse.fromPartial({ v: 1, principal: 'admin:local', scopes: ['*'], credentialKind: 1 }));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, close: () => server.forceShutdown() };
}

type Invoke = (done: (error: grpc.ServiceError | null) => void) => void;

/** Calls per second with `inFlight` calls outstanding, for PHASE_MS. */
function measure(invoke: Invoke, inFlight: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const deadline = performance.now() + PHASE_MS;
    let completed = 0;
    let running = inFlight;
    const started = performance.now();
    const next = () => {
      if (performance.now() >= deadline) {
        running -= 1;
        if (running === 0) resolve((completed * 1000) / (performance.now() - started));
        return;
      }
      invoke((error) => {
        if (error) return reject(error);
        completed += 1;
        next();
      });
    };
    for (let i = 0; i < inFlight; i++) next();
  });
}

function invokers(address: string) {
  const clients = connect(address);
  const metadata = metadataFor({ token: TEST_ADMIN_TOKEN, principal: 'admin:bench' });
  const empty = new grpc.Metadata();
  return {
    health: ((done) => clients.gateway.getHealth({ v: 1 }, empty, (error) => done(error))) as Invoke,
    whoAmI: ((done) => clients.auth.whoAmI({ v: 1 }, metadata, (error) => done(error))) as Invoke,
    close: () => clients.close(),
  };
}

const fixture = createCoreFixture();
const ours = createGrpcServer({ core: fixture.core, info: { version: 'bench', startedAtMs: Date.now() }, logger: pino({ level: 'silent' }) });
const oursPort = await ours.listen('127.0.0.1', 0);
const bare = await bareServer();
const oursClient = invokers(`127.0.0.1:${oursPort}`);
const bareClient = invokers(`127.0.0.1:${bare.port}`);

// Warm both paths (JIT, connection) before measuring.
await measure(oursClient.whoAmI, 16);
await measure(bareClient.whoAmI, 16);

const rows: Array<[string, number, number]> = [];
for (const [name, inFlight] of [['GetHealth', 1], ['GetHealth', 64], ['WhoAmI (admin token)', 1], ['WhoAmI (admin token)', 64]] as const) {
  const pick = name === 'GetHealth' ? 'health' : 'whoAmI';
  const bareRate = await measure(bareClient[pick], inFlight);
  const oursRate = await measure(oursClient[pick], inFlight);
  rows.push([`${name}, ${inFlight === 1 ? 'sequential' : '64 in flight'}`, oursRate, bareRate]);
}
console.log('gRPC unary (one channel, loopback, same process)');
for (const [label, oursRate, bareRate] of rows) {
  console.log(`  ${label.padEnd(38)} palyra ${oursRate.toFixed(0).padStart(6)} req/s   bare grpc-js ${bareRate.toFixed(0).padStart(6)} req/s   ratio ${(oursRate / bareRate).toFixed(2)}`);
}
oursClient.close();
bareClient.close();
bare.close();
await ours.close(100);
await fixture.close();
