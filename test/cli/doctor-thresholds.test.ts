// palyra doctor's judgements at their limits: certificate expiry (14 days, expired, not yet valid), clock skew (5 s, 60 s), Node lines.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clockCheck } from '../../src/cli/doctor/daemon-checks.js';
import { nodeVersionCheck } from '../../src/cli/doctor/runtime-checks.js';
import { certificateCheck } from '../../src/cli/doctor/tls-checks.js';
import { CA_CERT_FILE, CA_DIR, loadOrCreateDaemonCa } from '../../src/infra/crypto/daemon-ca.js';
import { makeStateDir, removeStateDir } from '../helpers/daemon.js';

const DAY_MS = 86_400_000;

describe('certificate expiry', () => {
  let stateDir: string;
  let path: string;
  let notBefore: number;
  let notAfter: number;

  before(async () => {
    stateDir = makeStateDir();
    await loadOrCreateDaemonCa(stateDir);
    path = join(stateDir, CA_DIR, CA_CERT_FILE);
    const certificate = new X509Certificate(readFileSync(path));
    notBefore = Date.parse(certificate.validFrom);
    notAfter = Date.parse(certificate.validTo);
  });
  after(() => removeStateDir(stateDir));

  test('more than 14 days left → ok; fewer → warn with the renewal fix', () => {
    assert.equal(certificateCheck('tls:cert', path, 'renew it', notAfter - 15 * DAY_MS).status, 'ok');
    const soon = certificateCheck('tls:cert', path, 'renew it', notAfter - 3 * DAY_MS);
    assert.equal(soon.status, 'warn');
    assert.match(soon.summary, /expires in 3 days/);
    assert.equal(soon.fix, 'renew it');
  });

  test('expired or not yet valid → fail', () => {
    assert.match(certificateCheck('tls:cert', path, 'renew it', notAfter + 1_000).summary, /expired on/);
    assert.equal(certificateCheck('tls:cert', path, 'renew it', notAfter + 1_000).status, 'fail');
    assert.equal(certificateCheck('tls:cert', path, 'renew it', notBefore - 1_000).status, 'fail');
  });

  test('a file that is not a certificate → fail naming the path', () => {
    const result = certificateCheck('tls:cert', join(stateDir, 'admin-token-missing'), 'renew it');
    assert.equal(result.status, 'fail');
    assert.match(result.summary, /admin-token-missing/);
  });
});

describe('clock skew', () => {
  const at = (skewMs: number) => clockCheck({ localMidMs: 1_000_000, serverDateMs: 1_000_000 + skewMs - 500, rttMs: 2 });

  test('within 5 s → ok; beyond 5 s → warn; beyond 60 s (either way) → fail with the NTP fix', () => {
    assert.equal(at(4_000).status, 'ok');
    assert.equal(at(-6_000).status, 'warn');
    assert.equal(at(61_000).status, 'fail');
    assert.equal(at(-61_000).status, 'fail');
    assert.match(at(61_000).fix ?? '', /NTP/);
    assert.match(at(-6_000).summary, /-6\.0 s/);
  });
});

describe('Node lines', () => {
  test('22.12+ and 24 → ok; 23 → warn; 22.11 and 20 → fail', () => {
    assert.equal(nodeVersionCheck('22.12.0').status, 'ok');
    assert.equal(nodeVersionCheck('24.1.0').status, 'ok');
    assert.equal(nodeVersionCheck('23.5.0').status, 'warn');
    assert.equal(nodeVersionCheck('22.11.0').status, 'fail');
    assert.equal(nodeVersionCheck('20.20.2').status, 'fail');
  });
});
