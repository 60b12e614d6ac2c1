// Finds the Chromium binary: an explicit path, then PALYRA_CHROMIUM, then the usual names on PATH.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive, or undefined when none is found. An explicit path is used only if executable. */
export function findChromium(explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const chosen = explicit ?? env.PALYRA_CHROMIUM;
  if (chosen) return isExecutable(chosen) ? chosen : undefined;
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const candidate = join(directory, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}
