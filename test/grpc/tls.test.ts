// The gateway over TLS with client certificates verified against tls.client_ca_path (client_auth optional and required), against the real daemon.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { AuthServiceClient } from '../../src/gen/palyra/auth/v1/auth.js';
import { GatewayServiceClient } from '../../src/gen/palyra/gateway/v1/gateway.js';
import { removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { metadataFor } from '../helpers/grpc-client.js';
import { makeTestPki, type TestPki } from '../helpers/test-certs.js';

const read = (path: string) => readFileSync(path);

function health(client: GatewayServiceClient): Promise<{ status: string }> {
  return new Promise((resolve, reject) => client.getHealth({ v: 1 }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => (error ? reject(error) : resolve(response))));
}

function whoAmI(client: AuthServiceClient, token?: string): Promise<{ principal: string }> {
  return new Promise((resolve, reject) =>
    client.whoAmI({ v: 1 }, metadataFor(token === undefined ? {} : { token }), { deadline: Date.now() + 5_000 }, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

const refused = (error: grpc.ServiceError) => error.code === grpc.status.UNAVAILABLE;

let pki: TestPki;
let pkiDir: string;

/** One client per credential set: a certificate pair of the PKI, or none. */
function clients(daemon: TestDaemon, pair?: { key: string; cert: string }) {
  const credentials = pair ? grpc.credentials.createSsl(read(pki.caCert), read(pair.key), read(pair.cert)) : grpc.credentials.createSsl(read(pki.caCert));
  // A fresh channel per case: grpc-js would otherwise reuse a connection another case opened.
  const options = { 'grpc.use_local_subchannel_pool': 1 };
  const gateway = new GatewayServiceClient(daemon.ready.grpc, credentials, options);
  const auth = new AuthServiceClient(daemon.ready.grpc, credentials, options);
  return { gateway, auth, close: () => (gateway.close(), auth.close()) };
}

async function tlsDaemon(clientAuth: 'optional' | 'required'): Promise<TestDaemon> {
  return startDaemon({
    env: { PALYRA_TLS_CERT_PATH: pki.serverCert, PALYRA_TLS_KEY_PATH: pki.serverKey, PALYRA_TLS_CLIENT_CA_PATH: pki.caCert, PALYRA_TLS_CLIENT_AUTH: clientAuth },
  });
}

before(() => {
  pkiDir = mkdtempSync(join(tmpdir(), 'palyra-pki-'));
  pki = makeTestPki(pkiDir);
});
after(() => removeStateDir(pkiDir));

describe('gateway gRPC over TLS, tls.client_auth = "optional"', () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await tlsDaemon('optional');
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('no client certificate → served; the bearer token still decides who calls', async () => {
    const c = clients(daemon);
    try {
      assert.equal((await health(c.gateway)).status, 'ok');
      assert.equal((await whoAmI(c.auth, daemon.adminToken)).principal, 'admin:local');
      await assert.rejects(whoAmI(c.auth, 'wrong'), (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED);
    } finally {
      c.close();
    }
  });

  test('a client certificate from the configured CA with clientAuth → served, and still no identity without a bearer', async () => {
    const c = clients(daemon, { key: pki.clientKey, cert: pki.clientCert });
    try {
      assert.equal((await health(c.gateway)).status, 'ok');
      assert.equal((await whoAmI(c.auth, daemon.adminToken)).principal, 'admin:local');
      await assert.rejects(whoAmI(c.auth), (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED);
    } finally {
      c.close();
    }
  });

  for (const [name, pair] of [
    ['from another CA', () => ({ key: pki.foreignKey, cert: pki.foreignCert })],
    ['from the CA but serverAuth only', () => ({ key: pki.serverOnlyKey, cert: pki.serverOnlyCert })],
    ['from the CA without an extendedKeyUsage', () => ({ key: pki.noEkuKey, cert: pki.noEkuCert })],
  ] as const) {
    test(`a client certificate ${name} → the connection is refused (UNAVAILABLE), not even GetHealth or a valid bearer is served`, async () => {
      const c = clients(daemon, pair());
      try {
        await assert.rejects(health(c.gateway), refused);
        await assert.rejects(whoAmI(c.auth, daemon.adminToken), refused);
      } finally {
        c.close();
      }
    });
  }

  test('a client that does not trust the server certificate → UNAVAILABLE, nothing served', async () => {
    const gateway = new GatewayServiceClient(daemon.ready.grpc, grpc.credentials.createSsl(read(join(pkiDir, 'foreign-ca.crt'))));
    try {
      await assert.rejects(health(gateway), refused);
    } finally {
      gateway.close();
    }
  });

  test('a cleartext client against the TLS port → UNAVAILABLE', async () => {
    const gateway = new GatewayServiceClient(daemon.ready.grpc, grpc.credentials.createInsecure());
    try {
      await assert.rejects(health(gateway), refused);
    } finally {
      gateway.close();
    }
  });
});

describe('gateway gRPC over TLS, tls.client_auth = "required"', () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await tlsDaemon('required');
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
  });

  test('no client certificate → the handshake fails (UNAVAILABLE), even for GetHealth', async () => {
    const c = clients(daemon);
    try {
      await assert.rejects(health(c.gateway), refused);
      await assert.rejects(whoAmI(c.auth, daemon.adminToken), refused);
    } finally {
      c.close();
    }
  });

  test('a client certificate from the configured CA with clientAuth → served; the bearer still decides the principal', async () => {
    const c = clients(daemon, { key: pki.clientKey, cert: pki.clientCert });
    try {
      assert.equal((await health(c.gateway)).status, 'ok');
      assert.equal((await whoAmI(c.auth, daemon.adminToken)).principal, 'admin:local');
      await assert.rejects(whoAmI(c.auth), (error: grpc.ServiceError) => error.code === grpc.status.UNAUTHENTICATED);
    } finally {
      c.close();
    }
  });

  for (const [name, pair] of [
    ['from another CA', () => ({ key: pki.foreignKey, cert: pki.foreignCert })],
    ['from the CA but serverAuth only', () => ({ key: pki.serverOnlyKey, cert: pki.serverOnlyCert })],
  ] as const) {
    test(`a client certificate ${name} → refused (UNAVAILABLE)`, async () => {
      const c = clients(daemon, pair());
      try {
        await assert.rejects(health(c.gateway), refused);
      } finally {
        c.close();
      }
    });
  }
});
