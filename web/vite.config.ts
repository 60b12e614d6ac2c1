// Vite build of the console into dist/web (served by palyrad), and the vitest unit tests of web/src.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Nothing inlined as data: URLs, so the pages' CSP needs no `data:`.
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    reporters: ['default', './test-reporter.ts'],
  },
});
