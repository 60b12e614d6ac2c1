// Doctor check for the browser service's Chromium: PALYRA_CHROMIUM, else the usual names on PATH, asked for --version.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { check, type CheckResult } from './check.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

async function version(executable: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(executable, ['--version'], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

export async function chromiumCheck(env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  const configured = env.PALYRA_CHROMIUM;
  if (configured) {
    const found = await version(configured);
    return found
      ? check('chromium', 'ok', `${found} (PALYRA_CHROMIUM=${configured})`)
      : check('chromium', 'warn', `PALYRA_CHROMIUM=${configured} does not run (\`${configured} --version\` failed)`, 'point PALYRA_CHROMIUM at a Chromium executable, or unset it to use chromium from PATH');
  }
  for (const name of CANDIDATES) {
    const found = await version(name);
    if (found) return check('chromium', 'ok', `${found} (${name} on PATH)`);
  }
  return check('chromium', 'warn', `no Chromium found (looked for PALYRA_CHROMIUM, then ${CANDIDATES.join(', ')} on PATH); the browser service needs it`, 'apt-get install chromium (or set PALYRA_CHROMIUM to its path)');
}
