// Stock gRPC tooling: grpc.health.v1 and server reflection, loaded from their own .proto files.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { findPackageRoot } from '../../src/infra/package-root.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const require = createRequire(import.meta.url);
const reflectionProto = join(dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');
const reflectionAlphaProto = join(dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1alpha/reflection.proto');
const healthProto = join(dirname(require.resolve('grpc-health-check')), '../../proto/health/v1/health.proto');

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & Record<string, (...args: unknown[]) => unknown>;

function loadClient(file: string, path: string[]): Ctor {
  let node: unknown = grpc.loadPackageDefinition(loadSync(file, { keepCase: true, enums: String }));
  for (const part of path) node = (node as Record<string, unknown>)[part];
  return node as Ctor;
}

describe('standard gRPC services', () => {
  let daemon: TestDaemon;

  before(async () => {
    daemon = await startDaemon();
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('grpc.health.v1 Check (overall and per service) → SERVING, without credentials', async () => {
    const Health = loadClient(healthProto, ['grpc', 'health', 'v1', 'Health']);
    const client = new Health(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      for (const service of ['', 'palyra.gateway.v1.GatewayService', 'palyra.auth.v1.AuthService']) {
        const response = await new Promise<{ status: string }>((resolve, reject) =>
          client.Check?.({ service }, (error: Error | null, value: { status: string }) => (error ? reject(error) : resolve(value))),
        );
        assert.equal(response.status, 'SERVING');
      }
    } finally {
      client.close();
    }
  });

  // The health and reflection libraries load on their first call (src/transport/grpc/lazy-service.ts): each method shape is exercised.
  test('grpc.health.v1 Watch → streams SERVING at once; List → every served service SERVING', async () => {
    const Health = loadClient(healthProto, ['grpc', 'health', 'v1', 'Health']);
    const client = new Health(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      const watched = await new Promise<{ status: string }>((resolve, reject) => {
        const stream = client.Watch?.({ service: 'palyra.canvas.v1.CanvasService' }) as grpc.ClientReadableStream<{ status: string }>;
        stream.once('data', (response) => {
          resolve(response);
          stream.cancel();
        });
        stream.on('error', (error: grpc.ServiceError) => (error.code === grpc.status.CANCELLED ? undefined : reject(error)));
      });
      assert.equal(watched.status, 'SERVING');
      const listed = await new Promise<{ statuses: Record<string, { status: string }> }>((resolve, reject) =>
        client.List?.({}, (error: Error | null, value: { statuses: Record<string, { status: string }> }) => (error ? reject(error) : resolve(value))),
      );
      assert.deepEqual(Object.keys(listed.statuses).sort(), ['', 'palyra.auth.v1.AuthService', 'palyra.canvas.v1.CanvasService', 'palyra.gateway.v1.ApprovalsService', 'palyra.gateway.v1.GatewayService', 'palyra.node.v1.NodeAdminService']);
      assert.ok(Object.values(listed.statuses).every((entry) => entry.status === 'SERVING'));
    } finally {
      client.close();
    }
  });

  test('reflection v1alpha (older grpcurl) → lists the palyra services too', async () => {
    const Reflection = loadClient(reflectionAlphaProto, ['grpc', 'reflection', 'v1alpha', 'ServerReflection']);
    const client = new Reflection(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      const names = await new Promise<string[]>((resolve, reject) => {
        const stream = client.ServerReflectionInfo?.() as grpc.ClientDuplexStream<object, { list_services_response: { service: Array<{ name: string }> } }>;
        stream.on('data', (response: { list_services_response: { service: Array<{ name: string }> } }) => {
          resolve(response.list_services_response.service.map((service) => service.name));
          stream.end();
        });
        stream.on('error', reject);
        stream.write({ list_services: '' });
      });
      assert.ok(names.includes('palyra.node.v1.NodeAdminService'));
      assert.ok(!names.includes('palyra.node.v1.NodeService'), 'NodeService is served over QUIC, not on this port');
    } finally {
      client.close();
    }
  });

  test('reflection lists the three palyra services and serves the file that defines RunStream', async () => {
    const Reflection = loadClient(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection']);
    const client = new Reflection(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      const ask = (request: object) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const stream = client.ServerReflectionInfo?.() as grpc.ClientDuplexStream<object, Record<string, unknown>>;
          stream.on('data', (response) => {
            resolve(response);
            stream.end();
          });
          stream.on('error', reject);
          stream.write(request);
        });
      const list = (await ask({ list_services: '' })) as { list_services_response: { service: Array<{ name: string }> } };
      const names = list.list_services_response.service.map((service) => service.name);
      for (const name of ['palyra.gateway.v1.GatewayService', 'palyra.gateway.v1.ApprovalsService', 'palyra.auth.v1.AuthService']) assert.ok(names.includes(name), name);
      const file = (await ask({ file_containing_symbol: 'palyra.gateway.v1.GatewayService' })) as { file_descriptor_response: { file_descriptor_proto: Buffer[] } };
      const descriptors = Buffer.concat(file.file_descriptor_response.file_descriptor_proto).toString('latin1');
      assert.ok(descriptors.includes('RunStream'));
      assert.ok(descriptors.includes('WatchRun'));
    } finally {
      client.close();
    }
  });

  test('the package root (proto/, dist/web) is found from src/, from dist/ and from the bundled bins; nowhere else', () => {
    assert.equal(findPackageRoot(), process.cwd());
    assert.equal(findPackageRoot(join(process.cwd(), 'dist', 'transport', 'grpc')), process.cwd());
    assert.equal(findPackageRoot(join(process.cwd(), 'dist', 'bin', 'chunks')), process.cwd());
    assert.throws(() => findPackageRoot(tmpdir()), /cannot find the palyra package/);
  });
});
