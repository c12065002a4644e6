/**
 * `npm run bench [-- --quick]`: imagegate's image path beside a plain proxy. Starts on loopback a fake
 * OpenAI upstream with pre-serialized answers, nginx proxying to it, and imagegate as in production (SQLite,
 * auth, billing holds and settles, request log); loads each with wrk and prints one table, then a second
 * one of imagegate's resident memory across back-to-back runs of the image cases. A full run (or
 * `--case inflight`) first runs the in-flight case: thousands of requests at once against a slow upstream.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientKey, cpuMs, GATEWAY_NODE_FLAGS, gatewayEnv, median, root, sleep, startUpstream, waitFor } from './gateway.js';
import { runInflight, saveInflight } from './inflight.js';
import { startNginx } from './nginx.js';

const quick = process.argv.includes('--quick');
/** `--case b64` (repeatable) runs only the named cases. */
const onlyCases = process.argv.flatMap((a, i) => (a === '--case' ? [process.argv[i + 1]!] : []));
/** `--processes N`: imagegate runs as `serve --processes N`, and nginx with as many worker processes. */
const processesArg = process.argv.indexOf('--processes');
const PROCESSES = processesArg > 0 ? Number(process.argv[processesArg + 1]) : 1;
if (!Number.isInteger(PROCESSES) || PROCESSES < 1) throw new Error('--processes takes a positive integer');
const DURATION = quick ? 2 : 8;
/**
 * Rounds per case and connection count. A round loads the upstream directly, nginx, the Node relay and
 * imagegate one after another, so each ratio compares runs seconds apart; the row reports medians over the
 * rounds, because this shared machine's speed drifts by ±25% from one minute to the next.
 */
const ROUNDS = quick ? 1 : 3;
const CONNECTIONS = [4, 32];
/** Back-to-back runs per image case at 32 connections, resident memory read after each: growth shows here. */
const REPEATS = quick ? 3 : 6;

function ensureTools(): void {
  const missing = ['nginx', 'wrk'].filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    console.log(`installing ${missing.join(', ')} from Debian's packages…`);
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')} >/dev/null`], {
      stdio: 'inherit',
    });
  }
}

/** The least a Node.js process can do to relay the request (bench/floor-proxy.ts): the runtime's own limit. */
function startFloorProxy(port: number, upstreamPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/floor-proxy.ts'), String(port), String(upstreamPort)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => child.once('message', () => resolve(child)));
}

/** `procs` gets the child at once: one that does not come up in time is stopped with the rest. */
async function startImagegate(dir: string, port: number, upstreamPort: number, procs: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, join(root, 'dist/cli/main.js'), 'serve', '--processes', String(PROCESSES)], {
    env: gatewayEnv(port, join(dir, 'data'), upstreamPort),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  procs.push(child);
  await waitFor(`http://127.0.0.1:${port}/healthz`, 60_000);
  return child;
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

function wrk(url: string, connections: number, body: string, headers: Record<string, string>, dir: string): WrkResult {
  const script = join(dir, 'post.lua');
  const hdrs = Object.entries({ 'content-type': 'application/json', ...headers })
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n${hdrs}\n`);
  const out = execFileSync('wrk', ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${DURATION}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  // Anchored to the latency-distribution lines: "89.50%" in the thread stats must not match.
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? 'NaN');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? 'NaN');
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((s, n) => s + Number(n), 0) : 0);
  return { rps, p50, p99, errors, requests };
}

/** A wrk run of `target` with the CPU its serving processes spent per answered request. */
function measured(pids: () => number[], target: () => WrkResult): WrkResult & { cpuMsPerRequest: number } {
  const before = cpuMs(pids());
  const result = target();
  const spent = cpuMs(pids()) - before;
  return { ...result, cpuMsPerRequest: result.requests ? spent / result.requests : NaN };
}

/** A memory figure of a process in MB: VmHWM is its peak so far, VmRSS resident now (compared across runs, it shows growth). */
function memoryMB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
}

/** The processes that serve: the gateway itself, or with --processes N its N workers (children of the primary). */
function servingPids(gateway: ChildProcess): number[] {
  if (PROCESSES === 1) return [gateway.pid!];
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === gateway.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A memory figure of the serving processes: the largest one's, and each one's when there are several. */
function servingMemory(gateway: ChildProcess, field: 'VmHWM' | 'VmRSS'): { max: number; each: string } {
  const each = servingPids(gateway).map((pid) => Math.round(memoryMB(pid, field)));
  return { max: Math.max(...each), each: each.join('+') };
}

/**
 * Removes the images the url case stored. At ~200 req/s of 1.5 MB each, a full bench would otherwise leave
 * tens of GB behind (it filled this machine's disk once). Only files go: the gateway remembers which expiry
 * directories it made.
 */
function clearStoredImages(dataDir: string): void {
  const blobs = join(dataDir, 'blobs');
  if (!existsSync(blobs)) return;
  for (const bucket of readdirSync(blobs)) {
    for (const file of readdirSync(join(blobs, bucket))) rmSync(join(blobs, bucket, file), { force: true });
  }
}

const round2 = (n: number) => Number(n.toFixed(2));
const round3 = (n: number) => Number(n.toFixed(3));

async function main(): Promise<void> {
  ensureTools();
  // `--no-build`: dist/ is current (back-to-back runs of one build).
  if (!process.argv.includes('--no-build')) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  // The in-flight case (bench/inflight.ts) takes minutes and its own processes: a full run or `--case inflight`.
  if ((!quick && onlyCases.length === 0) || onlyCases.includes('inflight')) {
    const rows = await runInflight();
    console.table(rows);
    console.log(`results written to ${saveInflight(rows)}`);
    if (onlyCases.length === 1) return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-bench-'));
  const ports = { upB64: 18101, upSmall: 18102, nginxB64: 18111, nginxSmall: 18112, gwB64: 18121, gwSmall: 18122, floorB64: 18131, floorSmall: 18132 };
  const procs: ChildProcess[] = [];
  const rows: Array<Record<string, string | number>> = [];
  const memory: Array<Record<string, string | number>> = [];
  try {
    procs.push(await startUpstream(ports.upB64, 'b64'), await startUpstream(ports.upSmall, 'small'));
    procs.push(startNginx(join(dir, 'n1'), ports.nginxB64, ports.upB64, { workers: PROCESSES }));
    procs.push(startNginx(join(dir, 'n2'), ports.nginxSmall, ports.upSmall, { workers: PROCESSES }));
    const floors = {
      [ports.floorB64]: await startFloorProxy(ports.floorB64, ports.upB64),
      [ports.floorSmall]: await startFloorProxy(ports.floorSmall, ports.upSmall),
    };
    procs.push(...Object.values(floors));
    const gwB64 = await startImagegate(join(dir, 'g1'), ports.gwB64, ports.upB64, procs);
    const gwSmall = await startImagegate(join(dir, 'g2'), ports.gwSmall, ports.upSmall, procs);
    const data = { b64: join(dir, 'g1', 'data'), small: join(dir, 'g2', 'data') };
    await waitFor(`http://127.0.0.1:${ports.nginxB64}/`);
    const keyB64 = await clientKey(ports.gwB64);
    const keySmall = await clientKey(ports.gwSmall);
    const path = '/v1/images/generations';
    const req = (format: string) =>
      JSON.stringify({
        model: 'gpt-image-1',
        prompt: 'a benchmark image of a lighthouse',
        size: '1024x1024',
        quality: 'low',
        ...(format === 'url' ? { response_format: 'url' } : {}),
      });
    // gpt-image-1 returns b64_json upstream; imagegate answers b64_json by default and url when asked.
    const cases = [
      {
        name: 'b64',
        up: ports.upB64,
        nginx: ports.nginxB64,
        floor: ports.floorB64,
        gw: ports.gwB64,
        key: keyB64,
        body: req('b64'),
        gwProc: gwB64,
        data: data.b64,
        headers: {} as Record<string, string>,
      },
      {
        name: 'url',
        up: ports.upB64,
        nginx: ports.nginxB64,
        floor: ports.floorB64,
        gw: ports.gwB64,
        key: keyB64,
        body: req('url'),
        gwProc: gwB64,
        data: data.b64,
        headers: {} as Record<string, string>,
      },
      {
        name: 'small',
        up: ports.upSmall,
        nginx: ports.nginxSmall,
        floor: ports.floorSmall,
        gw: ports.gwSmall,
        key: keySmall,
        body: req('b64'),
        gwProc: gwSmall,
        data: data.small,
        headers: {} as Record<string, string>,
      },
      {
        name: 'async submit',
        up: ports.upSmall,
        nginx: ports.nginxSmall,
        floor: ports.floorSmall,
        gw: ports.gwSmall,
        key: keySmall,
        body: req('b64'),
        gwProc: gwSmall,
        data: data.small,
        headers: { prefer: 'respond-async' },
      },
    ];
    for (const c of cases.filter((x) => onlyCases.length === 0 || onlyCases.includes(x.name))) {
      for (const conns of CONNECTIONS) {
        const reference = (port: number) => wrk(`http://127.0.0.1:${port}${path}`, conns, c.body, {}, dir);
        const floorRun = () =>
          measured(
            () => [floors[c.floor]!.pid!],
            () => reference(c.floor),
          );
        const gwRun = () =>
          measured(
            () => servingPids(c.gwProc),
            () => {
              const result = wrk(`http://127.0.0.1:${c.gw}${path}`, conns, c.body, { authorization: `Bearer ${c.key}`, ...c.headers }, dir);
              clearStoredImages(c.data);
              return result;
            },
          );
        gwRun(); // warm-up, not counted: the JIT has not compiled the hot path of a fresh process yet
        const rounds = Array.from({ length: ROUNDS }, () => ({ direct: reference(c.up), nginx: reference(c.nginx), floor: floorRun(), gw: gwRun() }));
        type Round = (typeof rounds)[number];
        const overRounds = (f: (r: Round) => number) => median(rounds.map(f));
        const row = {
          case: c.name,
          conns,
          'direct rps': Math.round(overRounds((r) => r.direct.rps)),
          'nginx rps': Math.round(overRounds((r) => r.nginx.rps)),
          'node floor rps': Math.round(overRounds((r) => r.floor.rps)),
          'imagegate rps': Math.round(overRounds((r) => r.gw.rps)),
          // The median of each round's ratio: a ratio of two runs seconds apart, not of two medians.
          'ig/nginx': round2(overRounds((r) => r.gw.rps / r.nginx.rps)),
          'ig/direct': round2(overRounds((r) => r.gw.rps / r.direct.rps)),
          'ig/floor': round2(overRounds((r) => r.gw.rps / r.floor.rps)),
          'ig/nginx each round': rounds.map((r) => round2(r.gw.rps / r.nginx.rps)).join(' '),
          'ig/floor each round': rounds.map((r) => round2(r.gw.rps / r.floor.rps)).join(' '),
          // CPU per answered request, user + system: what the rps ratios come down to on a machine whose
          // cores the load generator and the fake upstream share.
          'ig CPU ms/req': round3(overRounds((r) => r.gw.cpuMsPerRequest)),
          'node floor CPU ms/req': round3(overRounds((r) => r.floor.cpuMsPerRequest)),
          'direct p50 ms': round2(overRounds((r) => r.direct.p50)),
          'nginx p50 ms': round2(overRounds((r) => r.nginx.p50)),
          'ig p50 ms': round2(overRounds((r) => r.gw.p50)),
          'ig p99 ms': round2(overRounds((r) => r.gw.p99)),
          'ig errors': rounds.reduce((n, r) => n + r.gw.errors, 0),
          'ig added p50 ms': round2(overRounds((r) => r.gw.p50 - r.direct.p50)),
          'ig peak RSS MB': PROCESSES === 1 ? servingMemory(c.gwProc, 'VmHWM').max : servingMemory(c.gwProc, 'VmHWM').each,
          'ig RSS now MB': PROCESSES === 1 ? servingMemory(c.gwProc, 'VmRSS').max : servingMemory(c.gwProc, 'VmRSS').each,
        };
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
    for (const c of cases.filter((x) => (x.name === 'b64' || x.name === 'url') && (onlyCases.length === 0 || onlyCases.includes(x.name)))) {
      const rss: number[] = [];
      let errors = 0;
      for (let i = 0; i < REPEATS; i++) {
        errors += wrk(`http://127.0.0.1:${c.gw}${path}`, 32, c.body, { authorization: `Bearer ${c.key}` }, dir).errors;
        clearStoredImages(c.data);
        rss.push(servingMemory(c.gwProc, 'VmRSS').max);
      }
      const row = {
        case: `${c.name} repeated`,
        conns: 32,
        runs: REPEATS,
        'RSS after each run MB': rss.join(' '),
        'growth first→last MB': rss.at(-1)! - rss[0]!,
        errors,
      };
      memory.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
  console.table(rows);
  if (memory.length) console.table(memory);
  const outDir = join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  // Dated to the second: every run is kept.
  const stamp = new Date().toISOString();
  const file = join(
    outDir,
    `${stamp.slice(0, 10)}${quick ? '-quick' : ''}${PROCESSES > 1 ? `-p${PROCESSES}` : ''}-${stamp.slice(11, 19).replaceAll(':', '')}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: stamp,
        quick,
        duration_s: DURATION,
        rounds: ROUNDS,
        processes: PROCESSES,
        // DATABASE_URL reaches the gateway through its environment (bench/gateway.ts): PostgreSQL then, else SQLite.
        database: process.env.DATABASE_URL ? 'postgres' : 'sqlite',
        ...(PROCESSES > 1 ? { cluster_policy: process.env.NODE_CLUSTER_SCHED_POLICY ?? 'none' } : {}),
        machine: machine(),
        rows,
        memory,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${file}`);
}

function machine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown cpu';
  const cores = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0;
  return `${cores} cores, ${cpu}, node ${process.version}`;
}

await main();
