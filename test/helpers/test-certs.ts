// Test PKI made with the openssl CLI: a CA, a P-256 server certificate for 127.0.0.1, and client certificates.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA. */
  foreignCert: string;
  foreignKey: string;
  /** From the CA, but for servers only (extendedKeyUsage serverAuth). */
  serverOnlyCert: string;
  serverOnlyKey: string;
  /** From the CA, without an extendedKeyUsage extension. */
  noEkuCert: string;
  noEkuKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function issue(dir: string, name: string, ca: string, extensions: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}.crt`]);
}

/** Writes the PKI into `dir` and returns the file paths. */
export function makeTestPki(dir: string): TestPki {
  makeCa(dir, 'ca');
  makeCa(dir, 'foreign-ca');
  issue(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  issue(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  issue(dir, 'foreign', 'foreign-ca', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  issue(dir, 'server-only', 'ca', 'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  issue(dir, 'no-eku', 'ca', 'keyUsage=critical,digitalSignature\n');
  const path = (file: string) => join(dir, file);
  return {
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    foreignCert: path('foreign.crt'),
    foreignKey: path('foreign.key'),
    serverOnlyCert: path('server-only.crt'),
    serverOnlyKey: path('server-only.key'),
    noEkuCert: path('no-eku.crt'),
    noEkuKey: path('no-eku.key'),
  };
}
