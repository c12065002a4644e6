/**
 * The in-flight case's load generator, a child process of its own so that its CPU is measured apart from the
 * bench and the targets: sends N requests at once, each on a connection of its own (node:http, no pooling
 * limit), reads every answer to its end and reports per status code how many came back, the time until
 * the last one finished, and the CPU it used itself (its own limit shows as CPU near its wall time).
 * Run as `node --import tsx bench/inflight-client.ts '<json of InflightLoad>'`; the result arrives over IPC.
 */
import { request } from 'node:http';

export interface InflightLoad {
  url: string;
  n: number;
  body: string;
  headers: Record<string, string>;
  /** A request not finished by then counts as an error. */
  timeoutMs: number;
}

export interface InflightOutcome {
  statuses: Record<string, number>;
  /** Connection errors and timeouts, by message. */
  errors: Record<string, number>;
  /** From the first request sent until the last answer ended. */
  allDoneMs: number;
  firstDoneMs: number;
  medianMs: number;
  /** Bytes of the smallest and largest 200 answer: every image arrived whole. */
  minBytes: number;
  maxBytes: number;
  clientCpuMs: number;
}

function send(load: InflightLoad, start: number): Promise<{ status: string; bytes: number; ms: number }> {
  const body = Buffer.from(load.body);
  return new Promise((resolve) => {
    const req = request(
      load.url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': body.length, ...load.headers },
        timeout: load.timeoutMs,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => resolve({ status: String(res.statusCode), bytes, ms: performance.now() - start }));
        res.on('error', (e) => resolve({ status: `error: ${e.message}`, bytes, ms: performance.now() - start }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: `error: ${e.message}`, bytes: 0, ms: performance.now() - start }));
    req.end(body);
  });
}

async function run(load: InflightLoad): Promise<InflightOutcome> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: load.n }, () => send(load, start)));
  const used = process.cpuUsage(cpu);
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const r of results) {
    const into = r.status.startsWith('error') ? errors : statuses;
    into[r.status] = (into[r.status] ?? 0) + 1;
  }
  const ok = results.filter((r) => r.status === '200').map((r) => r.bytes);
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    statuses,
    errors,
    allDoneMs: Math.round(times.at(-1) ?? 0),
    firstDoneMs: Math.round(times[0] ?? 0),
    medianMs: Math.round(times[Math.floor(times.length / 2)] ?? 0),
    minBytes: ok.length ? Math.min(...ok) : 0,
    maxBytes: ok.length ? Math.max(...ok) : 0,
    clientCpuMs: Math.round((used.user + used.system) / 1000),
  };
}

if (process.argv[2]) {
  const outcome = await run(JSON.parse(process.argv[2]) as InflightLoad);
  process.send?.(outcome, () => process.exit(0));
}
