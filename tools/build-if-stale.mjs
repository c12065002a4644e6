#!/usr/bin/env node
/**
 * `npm start` runs this instead of the whole build: it builds (server and console) only when a source file
 * is newer than the last build, so a start costs milliseconds, not a TypeScript compile. Plain JavaScript,
 * so it runs before anything is compiled. `--stamp` only records that a build just finished (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-stamp';
const SOURCES = ['src', 'console', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const SKIP = new Set(['node_modules', 'dist']);

/** The newest modification time under `path` (ms), 0 when it does not exist. */
function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let latest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (!SKIP.has(entry)) latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function stamp() {
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

if (process.argv.includes('--stamp')) {
  stamp();
} else {
  const built = newest(STAMP);
  const changed = Math.max(...SOURCES.map(newest));
  if (built === 0 || changed > built) {
    process.stderr.write(built === 0 ? 'imagegate: building (first start)...\n' : 'imagegate: sources changed since the last build, rebuilding...\n');
    const run = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
