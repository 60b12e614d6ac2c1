// Vite build of the canvas runtime into dist/canvas-runtime: one classic script (IIFE) and its stylesheet, served by palyrad under /canvas/v1.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/canvas-runtime', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    cssCodeSplit: false,
    lib: {
      entry: fileURLToPath(new URL('./src/canvas-runtime/main.ts', import.meta.url)),
      formats: ['iife'],
      name: 'PalyraCanvasRuntime',
      fileName: () => 'runtime.js',
      cssFileName: 'runtime',
    },
  },
});
