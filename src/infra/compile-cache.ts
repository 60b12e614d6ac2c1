// V8's compiled code of palyrad kept across starts (module.enableCompileCache) in the user's cache directory.
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * `$XDG_CACHE_HOME/palyra/compile-cache`, else `~/.cache/palyra/compile-cache`; undefined when neither is
 * known. Per user (never the shared temp dir, where another user could plant code cache) and outside the
 * state dir, so a fresh state dir starts warm too.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'palyra', 'compile-cache');
  let homeDir: string;
  try {
    homeDir = homedir();
  } catch {
    return undefined;
  }
  return homeDir && isAbsolute(homeDir) ? join(homeDir, '.cache', 'palyra', 'compile-cache') : undefined;
}

/**
 * Compiling the bundled daemon (~2.5 MB of JavaScript) and its CommonJS dependencies was ~100 ms of each
 * start; with the cache V8 reads the code instead. Node's own switches still rule: NODE_COMPILE_CACHE picks
 * another directory, NODE_DISABLE_COMPILE_CACHE=1 turns it off. A directory that cannot be written leaves
 * the cache off and the start unchanged.
 */
export function keepCompiledCode(): void {
  const dir = compileCacheDir();
  if (dir) enableCompileCache(dir);
}
