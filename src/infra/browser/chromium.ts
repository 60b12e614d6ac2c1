// Finds the Chromium the browser service drives: the configured path, else the first known name on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

export type ChromiumLookup = { path: string; reason: string } | { path: null; reason: string };

/** The executable to use and why, or why there is none (shown by status when the browser is off). */
export function findChromium(configured: string | undefined, pathVariable = process.env['PATH'] ?? ''): ChromiumLookup {
  if (configured !== undefined) {
    return isExecutable(configured)
      ? { path: configured, reason: `browser.chromium_path ${configured}` }
      : { path: null, reason: `browser.chromium_path ${configured} is not an executable file` };
  }
  for (const dir of pathVariable.split(delimiter).filter((entry) => entry !== '')) {
    for (const name of CANDIDATES) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return { path: candidate, reason: `found ${candidate} on PATH` };
    }
  }
  return { path: null, reason: `no Chromium on PATH (looked for ${CANDIDATES.join(', ')}); set browser.chromium_path` };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
