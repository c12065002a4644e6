/**
 * The in-flight case of `npm run bench` (`-- --case inflight`, or alone: `node --import tsx bench/inflight.ts
 * [--n 500]... [--targets direct,nginx,imagegate] [--profile <dir>]`): N requests at once against a fake
 * OpenAI upstream that answers after 10 s with a 2 MB `b64_json` image, sent directly, through nginx and through
 * imagegate (its provider's `max_concurrency` above N). Per target and N: the answers by status, the time until
 * the last one ended, the target's resident memory above idle per request in flight (VmRSS sampled every 50 ms;
 * nginx's master and workers summed) and its CPU; for imagegate, afterwards, its holds, ledger entries and
 * request-log rows for those N requests, read from its SQLite database once it has shut down.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { ADMIN, cpuMs, GATEWAY_NODE_FLAGS, gatewayEnv, root, sleep, startUpstream, waitFor } from './gateway.js';
import type { InflightLoad, InflightOutcome } from './inflight-client.js';
import { startNginx } from './nginx.js';

export const UPSTREAM_DELAY_MS = 10_000;
const DEFAULT_NS = [500, 2000, 5000];
const PORTS = { upstream: 18201, nginx: 18211, gateway: 18221 };
const PATH = '/v1/images/generations';
const BODY = JSON.stringify({ model: 'gpt-image-1', prompt: 'a benchmark image of a lighthouse', size: '1024x1024', quality: 'low' });

export interface InflightOptions {
  ns?: number[];
  targets?: string[];
  /** Directory for the gateway's `--cpu-prof` and `--heap-prof` output, when profiling. */
  profileDir?: string;
  nginxWorkers?: number;
}

type Row = Record<string, string | number>;

function load(port: number, n: number, headers: Record<string, string> = {}): Promise<InflightOutcome> {
  const spec: InflightLoad = { url: `http://127.0.0.1:${port}${PATH}`, n, body: BODY, headers, timeoutMs: 600_000 };
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/inflight-client.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as InflightOutcome));
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
}

/** Resident memory of the processes in KB, summed. */
function rssKB(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // A process that has exited holds nothing.
    }
  }
  return total;
}

/** Runs the load while sampling the targets' memory: idle before, peak during. */
async function measure(port: number, n: number, pids: number[], headers: Record<string, string> = {}): Promise<Row> {
  const idle = rssKB(pids);
  const cpu = cpuMs(pids);
  let peak = idle;
  // Until the upstream's first answer every request is only waiting: what one costs while in flight.
  let waiting = idle;
  const answersFrom = Date.now() + UPSTREAM_DELAY_MS - 300;
  const sampler = setInterval(() => {
    const now = rssKB(pids);
    peak = Math.max(peak, now);
    if (Date.now() < answersFrom) waiting = Math.max(waiting, now);
  }, 50);
  const outcome = await load(port, n, headers).finally(() => clearInterval(sampler));
  const ok = outcome.statuses['200'] ?? 0;
  return {
    n,
    answered: Object.values(outcome.statuses).reduce((a, b) => a + b, 0),
    '200': ok,
    'other statuses': JSON.stringify(Object.fromEntries(Object.entries(outcome.statuses).filter(([s]) => s !== '200'))),
    errors: JSON.stringify(outcome.errors),
    'all done s': Number((outcome.allDoneMs / 1000).toFixed(1)),
    'first done s': Number((outcome.firstDoneMs / 1000).toFixed(1)),
    'median done s': Number((outcome.medianMs / 1000).toFixed(1)),
    'bytes min..max': `${outcome.minBytes}..${outcome.maxBytes}`,
    'idle RSS MB': pids.length ? Math.round(idle / 1024) : '–',
    'peak RSS MB': pids.length ? Math.round(peak / 1024) : '–',
    'KB per request waiting': pids.length ? Math.round((waiting - idle) / n) : '–',
    'KB per request at peak': pids.length ? Math.round((peak - idle) / n) : '–',
    'target CPU s': pids.length ? Number(((cpuMs(pids) - cpu) / 1000).toFixed(1)) : '–',
    'client CPU s': Number((outcome.clientCpuMs / 1000).toFixed(1)),
  };
}

/** An account with ample credit and a key of it, through the admin API. */
async function account(port: number, name: string): Promise<{ id: string; key: string }> {
  const call = async (path: string, body: unknown) =>
    (await (
      await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, string>;
  const acct = await call('/v1/admin/accounts', { name, credit: 1e15 });
  return { id: acct.id!, key: (await call('/v1/admin/keys', { name, account_id: acct.id })).key! };
}

function startGateway(dir: string, n: number, profileDir?: string): ChildProcess {
  mkdirSync(dir, { recursive: true });
  const overlay = join(dir, 'overlay.yaml');
  // The one cap on upstream calls is the provider's max_concurrency: above N, so that none waits.
  writeFileSync(overlay, `providers:\n  openai:\n    max_concurrency: ${n + 100}\n`);
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--heap-prof', `--heap-prof-dir=${profileDir}`] : [];
  return spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...profile, join(root, 'dist/cli/main.js'), 'serve'], {
    env: { ...gatewayEnv(PORTS.gateway, join(dir, 'data'), PORTS.upstream), IMAGEGATE_CONFIG: overlay },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** What the gateway wrote for one account's requests: holds by status, ledger entries by kind, request-log rows by status. */
function records(dataDir: string, accountId: string): Row {
  const db = new SQLite(join(dataDir, 'imagegate.sqlite'), { readonly: true });
  try {
    const group = (sql: string) => Object.fromEntries((db.prepare(sql).all(accountId) as Array<{ k: string; c: number }>).map((r) => [r.k, r.c]));
    return {
      holds: JSON.stringify(group('SELECT status AS k, count(*) AS c FROM holds WHERE account_id = ? GROUP BY status')),
      ledger: JSON.stringify(group('SELECT kind AS k, count(*) AS c FROM ledger WHERE account_id = ? GROUP BY kind')),
      'request log': JSON.stringify(group('SELECT status AS k, count(*) AS c FROM request_log WHERE account_id = ? GROUP BY status')),
    };
  } finally {
    db.close();
  }
}

async function imagegateRun(dir: string, n: number, profileDir?: string): Promise<Row> {
  const gw = startGateway(dir, n, profileDir);
  try {
    await waitFor(`http://127.0.0.1:${PORTS.gateway}/healthz`);
    // A warm-up on an account of its own, so that the JIT has compiled the path and its rows are not counted.
    const warm = await account(PORTS.gateway, 'inflight-warm-up');
    await load(PORTS.gateway, 50, { authorization: `Bearer ${warm.key}` });
    const measured = await account(PORTS.gateway, `inflight-${n}`);
    const row = await measure(PORTS.gateway, n, [gw.pid!], { authorization: `Bearer ${measured.key}` });
    gw.kill('SIGTERM');
    await exited(gw);
    return { ...row, ...records(join(dir, 'data'), measured.id) };
  } finally {
    gw.kill('SIGKILL');
  }
}

async function nginxRun(dir: string, n: number, workers: number): Promise<Row> {
  const nginx = startNginx(dir, PORTS.nginx, PORTS.upstream, { workers, connections: 2 * n + 256 });
  try {
    await waitFor(`http://127.0.0.1:${PORTS.nginx}/`);
    await sleep(300);
    const pids = [
      nginx.pid!,
      ...execFileSync('pgrep', ['-P', String(nginx.pid)], { encoding: 'utf8' })
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    ];
    const row = await measure(PORTS.nginx, n, pids);
    // nginx's own account of failed requests (e.g. resets), to tell them from the load generator's.
    const log = readFileSync(join(dir, 'nginx-error.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('[error]') || l.includes('[crit]') || l.includes('[alert]'));
    if (log.length) console.log(`nginx error log (${log.length} lines), first: ${log[0]}`);
    return { ...row, 'nginx error lines': log.length };
  } finally {
    nginx.kill('SIGTERM');
    await exited(nginx);
  }
}

export async function runInflight(opts: InflightOptions = {}): Promise<Row[]> {
  const ns = opts.ns?.length ? opts.ns : DEFAULT_NS;
  const targets = opts.targets ?? ['direct', 'nginx', 'imagegate'];
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-inflight-'));
  const upstream = await startUpstream(PORTS.upstream, 'b64', UPSTREAM_DELAY_MS);
  const rows: Row[] = [];
  const uptime = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  try {
    for (const n of ns) {
      for (const target of targets) {
        const load = uptime();
        const row =
          target === 'direct'
            ? await measure(PORTS.upstream, n, [])
            : target === 'nginx'
              ? await nginxRun(join(dir, `nginx-${n}`), n, opts.nginxWorkers ?? 1)
              : await imagegateRun(join(dir, `gateway-${n}`), n, opts.profileDir);
        const full = { target, ...row, 'load avg before': load };
        rows.push(full);
        console.log(JSON.stringify(full));
      }
    }
  } finally {
    upstream.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function machine(): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? 'unknown cpu';
  return `${cpuinfo.match(/^processor/gm)?.length ?? 0} cores, ${cpu}, node ${process.version}`;
}

/** Writes the run to bench/results/<timestamp>-inflight.json. */
export function saveInflight(rows: Row[]): string {
  const outDir = join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const file = join(outDir, `${stamp}-inflight.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), upstream_delay_ms: UPSTREAM_DELAY_MS, machine: machine(), rows }, null, 2)}\n`);
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv;
  const value = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
  const rows = await runInflight({
    ns: value('--n').map(Number),
    targets: value('--targets')[0]?.split(','),
    profileDir: value('--profile')[0],
    nginxWorkers: Number(value('--nginx-workers')[0] ?? 1),
  });
  console.table(rows);
  console.log(`results written to ${saveInflight(rows)}`);
}
