/**
 * Does HTTP/2 to the upstream help imagegate? `node --import tsx bench/h2-probe.ts [N...]`: against a TLS fake
 * (bench/h2-upstream.ts, self-signed certificate made here with openssl) that answers after 10 s with a 2 MB
 * body, N calls at once through an undici Agent as imagegate's (src/providers/http.ts: no connection cap),
 * once over HTTP/1.1 and once with `allowH2`: time until the last body was read, the client's CPU and peak
 * resident memory, and the TCP connections the upstream accepted. Then the same with no delay, one call
 * after another at 32 at a time for 10 s (throughput over warm connections).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { root } from './gateway.js';

const PORT = 18301;

function upstream(dir: string, port: number, delayMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/h2-upstream.ts'), String(port), join(dir, 'key.pem'), join(dir, 'cert.pem'), String(delayMs)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
  const connections = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { connections: number }).connections));
      child.send('count');
    });
  return { child, ready, connections };
}

function pool(h2: boolean): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: null, pipelining: 1, allowH2: h2, connect: { rejectUnauthorized: false } });
}

async function call(agent: Agent, port: number): Promise<number> {
  const res = await request(`https://127.0.0.1:${port}/v1/images/generations`, {
    method: 'POST',
    body: '{"model":"gpt-image-1","prompt":"x"}',
    headers: { 'content-type': 'application/json' },
    dispatcher: agent,
  });
  let bytes = 0;
  for await (const c of res.body) bytes += (c as Buffer).length;
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return bytes;
}

const rssMB = () => Math.round(process.memoryUsage().rss / 1048576);

async function inflight(dir: string, n: number, h2: boolean) {
  const up = upstream(dir, PORT, 10_000);
  await up.ready;
  const agent = pool(h2);
  const idle = rssMB();
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB())), 50);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, () => call(agent, PORT)));
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  const row = {
    case: 'in flight, 10 s upstream',
    protocol: h2 ? 'h2' : 'http/1.1',
    n,
    ok: results.filter((r) => r.status === 'fulfilled').length,
    'all done s': Number((wall / 1000).toFixed(1)),
    'client CPU s': Number(((used.user + used.system) / 1e6).toFixed(1)),
    'client RSS above idle MB': peak - idle,
    'upstream connections': await up.connections(),
  };
  await agent.close();
  up.child.kill();
  return row;
}

async function throughput(dir: string, h2: boolean) {
  const up = upstream(dir, PORT + 1, 0);
  await up.ready;
  const agent = pool(h2);
  const cpu = process.cpuUsage();
  const end = performance.now() + 10_000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < end) {
        await call(agent, PORT + 1);
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const row = {
    case: 'throughput, 32 at a time, no delay',
    protocol: h2 ? 'h2' : 'http/1.1',
    'calls/s': Math.round(done / 10),
    'client CPU ms per call': Number(((used.user + used.system) / 1000 / done).toFixed(2)),
    'upstream connections': await up.connections(),
  };
  await agent.close();
  up.child.kill();
  return row;
}

const dir = mkdtempSync(join(tmpdir(), 'imagegate-h2-'));
try {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    {
      stdio: 'ignore',
    },
  );
  const ns = process.argv.slice(2).map(Number);
  const rows: Array<Record<string, string | number>> = [];
  for (const n of ns.length ? ns : [500, 2000]) {
    for (const h2 of [false, true]) {
      rows.push(await inflight(dir, n, h2));
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
  for (const h2 of [false, true, false, true]) {
    rows.push(await throughput(dir, h2));
    console.log(JSON.stringify(rows.at(-1)));
  }
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
