#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=1048576 node --no-memory-reducer --max-semi-space-size=4 --heap-growing-percent=200 --v8-pool-size=1
// The V8 flags and MALLOC_MMAP_THRESHOLD_: see docs/performance.md (V8 otherwise runs back-to-back full GCs
// after an idle spell, keeps a 32 MB young generation resident, and lets dead image chunks pile up longer
// before a full collection; glibc otherwise lets resident memory creep under image load).
// Runs the compiled CLI (built by `npm install` through the prepare script, or `npm run build`).
import('../dist/cli/main.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('imagegate is not built yet: run `npm run build` first.');
    process.exit(1);
  }
  throw e;
});
