// The gateway over TLS and optional mTLS (tls.cert_path/key_path/client_ca_path), against the real daemon.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GatewayServiceClient } from '../../src/gen/palyra/gateway/v1/gateway.js';
import { AuthServiceClient } from '../../src/gen/palyra/auth/v1/auth.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { metadataFor } from '../helpers/grpc-client.js';
import { makeTestPki, type TestPki } from '../helpers/test-certs.js';

function health(client: GatewayServiceClient): Promise<{ status: string }> {
  return new Promise((resolve, reject) => client.getHealth({ v: 1 }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => (error ? reject(error) : resolve(response))));
}

function whoAmI(client: AuthServiceClient, token: string): Promise<{ principal: string }> {
  return new Promise((resolve, reject) => client.whoAmI({ v: 1 }, metadataFor({ token }), { deadline: Date.now() + 5_000 }, (error, response) => (error ? reject(error) : resolve(response))));
}

describe('gateway gRPC over TLS with optional client certificates', () => {
  let pki: TestPki;
  let daemon: TestDaemon;
  let pkiDir: string;
  before(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'palyra-pki-'));
    pki = makeTestPki(pkiDir);
    daemon = await startDaemon({ env: { PALYRA_TLS_CERT_PATH: pki.serverCert, PALYRA_TLS_KEY_PATH: pki.serverKey, PALYRA_TLS_CLIENT_CA_PATH: pki.caCert } });
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    removeStateDir(pkiDir);
  });

  const read = (path: string) => readFileSync(path);

  test('a client trusting our CA, without a client certificate → served (bearer still required)', async () => {
    const creds = grpc.credentials.createSsl(read(pki.caCert));
    const gateway = new GatewayServiceClient(daemon.ready.grpc, creds);
    const auth = new AuthServiceClient(daemon.ready.grpc, creds);
    try {
      assert.equal((await health(gateway)).status, 'ok');
      assert.equal((await whoAmI(auth, daemon.adminToken)).principal, 'admin:local');
      await assert.rejects(whoAmI(auth, 'wrong'), (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED);
    } finally {
      gateway.close();
      auth.close();
    }
  });

  test('a client presenting a certificate from the configured CA → served', async () => {
    const gateway = new GatewayServiceClient(daemon.ready.grpc, grpc.credentials.createSsl(read(pki.caCert), read(pki.clientKey), read(pki.clientCert)));
    try {
      assert.equal((await health(gateway)).status, 'ok');
    } finally {
      gateway.close();
    }
  });

  test('a client presenting a certificate from another CA → the certificate is not taken as an identity; the bearer decides', async () => {
    const creds = grpc.credentials.createSsl(read(pki.caCert), read(pki.foreignKey), read(pki.foreignCert));
    const auth = new AuthServiceClient(daemon.ready.grpc, creds);
    try {
      await assert.rejects(whoAmI(auth, 'not-a-token'), (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED);
      assert.equal((await whoAmI(auth, daemon.adminToken)).principal, 'admin:local');
    } finally {
      auth.close();
    }
  });

  test('a client that does not trust the server certificate → UNAVAILABLE, nothing served', async () => {
    const gateway = new GatewayServiceClient(daemon.ready.grpc, grpc.credentials.createSsl(read(join(pkiDir, 'foreign-ca.crt'))));
    try {
      await assert.rejects(health(gateway), (error: grpc.ServiceError) => error.code === grpc.status.UNAVAILABLE);
    } finally {
      gateway.close();
    }
  });

  test('a cleartext client against the TLS port → UNAVAILABLE', async () => {
    const gateway = new GatewayServiceClient(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      await assert.rejects(health(gateway), (error: grpc.ServiceError) => error.code === grpc.status.UNAVAILABLE);
    } finally {
      gateway.close();
    }
  });
});
