/**
 * Builds the console into dist/console/ with content-hashed asset names, for the gateway to serve at
 * /console/ (src/server/console-assets.ts).
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact({ devtoolsInProd: false, prefreshEnabled: false })],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console/', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The gateway's Content-Security-Policy allows no inline script, and every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
