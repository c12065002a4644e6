/**
 * `npm run bench:instructions [-- <gateway dir>...]`: instructions per small request, counted by
 * `valgrind --tool=callgrind` (Debian's valgrind, installed if missing). On a shared 2-core VM timed runs of
 * the same build differ by ±25%, more than most single changes gain; instruction counts do not move with the
 * host. Each gateway (default: this checkout; pass several built copies to compare) serves the small case
 * twice under callgrind, LOW and HIGH requests at 4 concurrent after a warm-up, and the difference over
 * HIGH − LOW requests is its cost per request, start-up and JIT warm-up cancelled out. Slow: ~5 minutes a
 * gateway (Node runs ~45× slower under valgrind).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clientKey, GATEWAY_NODE_FLAGS, gatewayEnv, root, startUpstream, waitFor } from './gateway.js';

const LOW = 300;
const HIGH = 1300;
/** Node starts ~45× slower under valgrind. */
const START_UP_MS = 300_000;

function ensureValgrind(): void {
  try {
    execFileSync('sh', ['-c', 'command -v valgrind'], { stdio: 'ignore' });
  } catch {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null'], { stdio: 'inherit' });
  }
}

/** `n` small image requests, 4 at a time over kept-alive connections; every one must succeed. */
async function load(port: number, key: string, n: number): Promise<void> {
  const body = JSON.stringify({ model: 'gpt-image-1', prompt: 'a benchmark image of a lighthouse', size: '1024x1024', quality: 'low' });
  let left = n;
  const worker = async () => {
    while (left-- > 0) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`request failed with ${res.status}: ${text.slice(0, 200)}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Instructions the gateway at `dir` executed from start to exit, having served `n` requests after a warm-up. */
async function countRun(dir: string, n: number, port: number, upstreamPort: number): Promise<number> {
  const data = mkdtempSync(join(tmpdir(), 'imagegate-instr-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${join(data, 'callgrind.out')}`,
      process.execPath,
      ...GATEWAY_NODE_FLAGS,
      join(dir, 'dist/cli/main.js'),
      'serve',
    ],
    {
      env: gatewayEnv(port, data, upstreamPort),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitFor(`http://127.0.0.1:${port}/healthz`, START_UP_MS).catch((err: Error) => {
      throw new Error(`${err.message} under valgrind:\n${stderr.slice(-2000)}`);
    });
    const key = await clientKey(port);
    await load(port, key, 100);
    await load(port, key, n);
  } finally {
    // SIGINT lets the gateway close and callgrind print its total; on a failure it just stops the run.
    child.kill('SIGINT');
    await exited;
  }
  const total = /Collected : (\d+)/.exec(stderr)?.[1];
  if (!total) throw new Error(`callgrind printed no total:\n${stderr.slice(-2000)}`);
  return Number(total);
}

async function main(): Promise<void> {
  ensureValgrind();
  const dirs = process.argv.slice(2).filter((a) => a !== '--');
  if (dirs.length === 0) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    dirs.push(root);
  }
  const upstreamPort = 18201;
  const upstream = await startUpstream(upstreamPort, 'small');
  try {
    for (const [i, dir] of dirs.entries()) {
      // Each gateway's two runs side by side: valgrind uses one core each.
      const [low, high] = await Promise.all([
        countRun(resolve(dir), LOW, 18240 + 2 * i, upstreamPort),
        countRun(resolve(dir), HIGH, 18241 + 2 * i, upstreamPort),
      ]);
      const perRequest = (high - low) / (HIGH - LOW);
      console.log(
        JSON.stringify({
          gateway: dir,
          [`instructions ${LOW}`]: low,
          [`instructions ${HIGH}`]: high,
          'instructions per small request': Math.round(perRequest),
        }),
      );
    }
  } finally {
    upstream.kill();
  }
}

await main();
