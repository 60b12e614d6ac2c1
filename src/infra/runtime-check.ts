// Refuses to start on a Node.js line the project does not support, before any native addon is loaded.
// Imported first by both entry points: ES modules evaluate in import order, so this runs before
// better-sqlite3 (a Node-API 10 addon that crashes Node 20) is ever evaluated.

/** The oldest Node.js release the daemon and CLI run on (22.12 is the first 22.x vite and vitest accept). */
export const MIN_NODE_VERSION = '22.12.0';

/** True when `version` (a `process.versions.node` string) is at least MIN_NODE_VERSION. */
export function isSupportedNode(version: string): boolean {
  const have = version.split('.').map(Number);
  const need = MIN_NODE_VERSION.split('.').map(Number);
  for (let index = 0; index < need.length; index += 1) {
    if ((have[index] ?? 0) !== need[index]) return (have[index] ?? 0) > (need[index] ?? 0);
  }
  return true;
}

if (!isSupportedNode(process.versions.node)) {
  const program = process.argv[1]?.split('/').pop()?.replace(/\.[jt]s$/, '') ?? 'palyra';
  process.stderr.write(
    `${program}: Node.js ${process.versions.node} is not supported; Palyra needs Node.js ${MIN_NODE_VERSION} or newer (the 22 and 24 LTS lines)\n` +
      `hint: run it through npm (\`npm start\`, \`npm exec palyra -- …\`), which uses the Node 24 the project installs into node_modules/.bin/node, or set PATH to a Node 22/24\n`,
  );
  process.exit(1);
}
