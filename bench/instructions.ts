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
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const LOW = 300;
const HIGH = 1300;
const ADMIN = 'sk-ig-bench-admin-key-000000000000';
const root = new URL('..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ensureValgrind(): void {
  try {
    execFileSync('sh', ['-c', 'command -v valgrind'], { stdio: 'ignore' });
  } catch {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null'], { stdio: 'inherit' });
  }
}

function post(port: number, path: string, body: string, key: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** `n` small image requests, 4 at a time over kept-alive connections; every one must succeed. */
async function load(port: number, key: string, n: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const body = JSON.stringify({ model: 'gpt-image-1', prompt: 'a benchmark image of a lighthouse', size: '1024x1024', quality: 'low' });
  let left = n;
  const worker = async () => {
    while (left-- > 0) {
      const res = await post(port, '/v1/images/generations', body, key, agent);
      if (res.status !== 200) throw new Error(`request failed with ${res.status}: ${res.body.slice(0, 200)}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  agent.destroy();
}

/** Instructions the gateway at `dir` executed from start to exit, having served `n` requests after a warm-up. */
async function countRun(dir: string, n: number, port: number, upstreamPort: number): Promise<number> {
  const data = mkdtempSync(join(tmpdir(), 'imagegate-instr-'));
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(data, 'callgrind.out')}`, process.execPath, '--no-memory-reducer', '--max-semi-space-size=1', '--heap-growing-percent=200', join(dir, 'dist/cli/main.js'), 'serve'], {
    env: {
      ...process.env,
      MALLOC_MMAP_THRESHOLD_: '1048576',
      PORT: String(port),
      HOST: '127.0.0.1',
      IMAGEGATE_DATA_DIR: data,
      IMAGEGATE_ADMIN_KEY: ADMIN,
      IMAGEGATE_LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    try {
      await new Promise<void>((ok, fail) => http.get(`http://127.0.0.1:${port}/healthz`, (r) => r.resume().on('end', ok)).on('error', fail));
      break;
    } catch {
      if (i > 1500) throw new Error(`the gateway did not come up under valgrind:\n${stderr.slice(-2000)}`);
      await sleep(200);
    }
  }
  const acct = JSON.parse((await post(port, '/v1/admin/accounts', JSON.stringify({ name: 'bench', credit: 1e15 }), ADMIN)).body) as { id: string };
  const key = (JSON.parse((await post(port, '/v1/admin/keys', JSON.stringify({ name: 'bench', account_id: acct.id }), ADMIN)).body) as { key: string }).key;
  await load(port, key, 100);
  await load(port, key, n);
  child.kill('SIGINT');
  await exited;
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
  const upstream = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/upstream.ts'), String(upstreamPort), 'small'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => upstream.once('message', r));
  try {
    for (const [i, dir] of dirs.entries()) {
      // Each gateway's two runs side by side: valgrind uses one core each.
      const [low, high] = await Promise.all([countRun(resolve(dir), LOW, 18240 + 2 * i, upstreamPort), countRun(resolve(dir), HIGH, 18241 + 2 * i, upstreamPort)]);
      const perRequest = (high - low) / (HIGH - LOW);
      console.log(JSON.stringify({ gateway: dir, [`instructions ${LOW}`]: low, [`instructions ${HIGH}`]: high, 'instructions per small request': Math.round(perRequest) }));
    }
  } finally {
    upstream.kill();
  }
}

await main();
