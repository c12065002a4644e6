#!/usr/bin/env -S node --no-memory-reducer
// --no-memory-reducer: see README → Performance (V8 otherwise runs back-to-back full GCs after an idle spell).
// Runs the compiled CLI (built by `npm install` through the prepare script, or `npm run build`).
import('../dist/cli/main.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('imagegate is not built yet: run `npm run build` first.');
    process.exit(1);
  }
  throw e;
});
