// Runs every bench/*.ts except this one, one after another as child processes, and reports failures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each bench bounds itself under a minute; this only stops one that hangs. */
const BENCH_TIMEOUT_MS = 120_000;

const here = fileURLToPath(import.meta.url);
const benchDir = dirname(here);
const root = dirname(benchDir);
const benches = readdirSync(benchDir)
  .filter((name) => name.endsWith('.ts') && name !== basename(here))
  .sort();

const failed: string[] = [];
for (const name of benches) {
  const script = join('bench', name);
  console.log(`\n=== ${script}`);
  const start = performance.now();
  // Output is inherited, so each bench prints its figures as it goes.
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: 'inherit', timeout: BENCH_TIMEOUT_MS });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (result.status === 0) {
    console.log(`=== ${script}: ok in ${seconds} s`);
  } else {
    const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`;
    console.log(`=== ${script}: FAILED (${why}) after ${seconds} s`);
    failed.push(script);
  }
}

console.log(`\n${benches.length - failed.length} of ${benches.length} benches ran${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`);
if (failed.length > 0) process.exitCode = 1;
