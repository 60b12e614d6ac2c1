// Writes the daemon's own OpenAPI document (from a real palyrad, built in dist/) to web/src/api/openapi.json.
import { writeFileSync } from 'node:fs';
import { removeStateDir, startDaemon } from '../test/helpers/daemon.js';

const OUTPUT = 'web/src/api/openapi.json';

const daemon = await startDaemon();
try {
  const response = await daemon.admin('/admin/v1/openapi.json');
  if (response.status !== 200) throw new Error(`GET /admin/v1/openapi.json answered ${response.status}: ${await response.text()}`);
  writeFileSync(OUTPUT, `${JSON.stringify(await response.json(), null, 2)}\n`);
} finally {
  await daemon.stop();
  removeStateDir(daemon.stateDir);
}
