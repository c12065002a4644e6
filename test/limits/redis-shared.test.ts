/**
 * What only the Redis limiter promises: several gateway processes (separate connections, separate OS
 * processes) sharing one Redis enforce ONE limit together; its keys do not outlive their windows; and an
 * unreachable Redis is a 503 to the client, never a crash or a silent pass.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import { createRateLimiter } from '../../src/limits/index.js';
import { MemoryRateLimiter } from '../../src/limits/memory.js';
import { RedisRateLimiter } from '../../src/limits/redis.js';
import { type RedisServer, startRedis } from './redis-server.js';

const HOUR = 3_600_000;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const LOOP = fileURLToPath(new URL('./fixtures/consume-loop.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RedisServer;
let raw: Redis;
let prefixSeq = 0;
/** A fresh key namespace per test, as two gateway processes configured alike would share. */
const prefix = () => `shared-${process.pid}-${++prefixSeq}:`;

beforeAll(async () => {
  server = await startRedis();
  raw = new Redis(server.url);
});
afterAll(async () => {
  await raw?.quit();
  await server?.stop();
});

interface LoopReport {
  pid: number;
  admitted: number;
  calls: number;
  startedAt: number;
  finishedAt: number;
  callsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

function runLoop(env: Record<string, string>): Promise<LoopReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOOP], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`consume-loop exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as LoopReport);
    });
  });
}

describe('RedisRateLimiter shared by several gateway processes', () => {
  it('two limiter instances on separate connections admit exactly `limit` in total when hammered together', async () => {
    const p = prefix();
    const a = new RedisRateLimiter(server.url, p);
    const b = new RedisRateLimiter(server.url, p);
    // Eight sequential workers per connection, so the two connections' calls interleave in Redis.
    const hammer = async (limiter: RedisRateLimiter, calls: number) => {
      let issued = 0;
      let admitted = 0;
      const worker = async () => {
        while (issued < calls) {
          issued++;
          if ((await limiter.consume('rpm:key_1', 50, HOUR)).allowed) admitted++;
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return admitted;
    };
    const [byA, byB] = await Promise.all([hammer(a, 300), hammer(b, 300)]);
    console.log(`[limits] two connections x 300 consumes (8 in flight each), limit 50: admitted a=${byA} b=${byB} total=${byA + byB}`);
    expect(byA + byB).toBe(50);
    await Promise.all([a.close(), b.close()]);
  });

  it('two limiter instances share concurrency slots: exactly `max` held in total, and a release on one frees a slot for the other', async () => {
    const p = prefix();
    const a = new RedisRateLimiter(server.url, p);
    const b = new RedisRateLimiter(server.url, p);
    const slots = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).acquire('conc:key_1', 4, 60_000)));
    const held = slots.filter((s) => s.allowed);
    expect(held).toHaveLength(4);
    expect((await b.acquire('conc:key_1', 4, 60_000)).allowed).toBe(false);
    await held[0]?.release();
    expect(await a.acquire('conc:key_1', 4, 60_000)).toMatchObject({ allowed: true, active: 4 });
    await Promise.all([a.close(), b.close()]);
  });

  it('two gateway processes looping against the same Redis admit at most `limit` in total', async () => {
    const p = prefix();
    const env = {
      REDIS_URL: server.url,
      KEY_PREFIX: p,
      LIMIT_KEY: 'rpm:key_procs',
      LIMIT: '1000',
      WINDOW_MS: String(HOUR),
      CALLS: '3000',
      IN_FLIGHT: '8',
      BARRIER_KEY: `${p}barrier`,
      PARTIES: '2',
    };
    const [one, two] = await Promise.all([runLoop(env), runLoop(env)]);
    if (!one || !two) throw new Error('a process did not report');
    console.log(
      `[limits] two processes x 3000 consumes (8 in flight each), limit 1000 per hour: admitted ${one.admitted} + ${two.admitted} = ${one.admitted + two.admitted}`,
    );
    for (const r of [one, two]) {
      console.log(`[limits]   pid ${r.pid}: ${r.calls} calls, ${r.callsPerSecond}/s, latency mean ${r.meanMs} ms, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
    }
    expect(one.calls).toBe(3000);
    expect(two.calls).toBe(3000);
    // The loops really ran at the same time, so the processes competed for the same units.
    expect(one.startedAt).toBeLessThan(two.finishedAt);
    expect(two.startedAt).toBeLessThan(one.finishedAt);
    // Both won units: the limit held while two processes really contended for it.
    expect(Math.min(one.admitted, two.admitted)).toBeGreaterThan(0);
    expect(one.admitted + two.admitted).toBeLessThanOrEqual(1000);
    // With an hour-long window nothing drains during the run, so "at most" is in fact "exactly".
    expect(one.admitted + two.admitted).toBe(1000);
  });

  it('single-connection latency of consume (sequential calls)', async () => {
    const limiter = new RedisRateLimiter(server.url, prefix());
    await limiter.consume('warm', 1, 1_000);
    const n = 2_000;
    let admitted = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) if ((await limiter.consume('rpm:seq', 1_000, HOUR)).allowed) admitted++;
    const meanMs = (performance.now() - t0) / n;
    console.log(`[limits] redis: ${n} sequential consumes, mean ${meanMs.toFixed(3)} ms per call; admitted ${admitted} of limit 1000`);
    expect(admitted).toBe(1_000);
    await limiter.close();
  });
});

describe('RedisRateLimiter storage', () => {
  it('keeps no key longer than its window or lease needs', async () => {
    const p = prefix();
    const limiter = new RedisRateLimiter(server.url, p);
    await limiter.consume('rpm:k', 5, 200, 5);
    const slot = await limiter.acquire('conc:k', 2, 200);
    expect(slot.allowed).toBe(true);
    const bucketTtl = await raw.pttl(`${p}rl:rpm:k`);
    const leasesTtl = await raw.pttl(`${p}cc:conc:k`);
    expect(bucketTtl).toBeGreaterThan(0);
    expect(bucketTtl).toBeLessThanOrEqual(201);
    expect(leasesTtl).toBeGreaterThan(0);
    expect(leasesTtl).toBeLessThanOrEqual(200);
    await sleep(300);
    expect(await raw.exists(`${p}rl:rpm:k`, `${p}cc:conc:k`)).toBe(0);
    await limiter.close();
  });

  it('deletes a bucket refunded down to nothing', async () => {
    const p = prefix();
    const limiter = new RedisRateLimiter(server.url, p);
    await limiter.consume('ipm:k', 10, HOUR, 3);
    expect(await raw.exists(`${p}rl:ipm:k`)).toBe(1);
    await limiter.refund('ipm:k', HOUR, 3);
    expect(await raw.exists(`${p}rl:ipm:k`)).toBe(0);
    await limiter.close();
  });
});

describe('RedisRateLimiter when Redis goes away', () => {
  it('refuses within its command timeout with 503 service_unavailable naming no address or password; release still resolves', async () => {
    const own = await startRedis();
    const port = new URL(own.url).port;
    const url = `redis://:s3cret-pass@127.0.0.1:${port}`;
    // A server without requirepass answers AUTH with an error, so hold the slot through a plain URL first.
    const limiter = new RedisRateLimiter(own.url, prefix(), { commandTimeoutMs: 500 });
    const slot = await limiter.acquire('conc:k', 1, 60_000);
    expect(slot.allowed).toBe(true);
    await own.stop();

    const withPassword = new RedisRateLimiter(url, prefix(), { commandTimeoutMs: 500 });
    const attempts = [() => limiter.consume('rpm:k', 5, HOUR), () => withPassword.consume('rpm:k', 5, HOUR), () => limiter.acquire('conc:k', 1, 1_000)];
    for (const attempt of attempts) {
      const t0 = performance.now();
      const err = await attempt().catch((e: unknown) => e);
      expect(performance.now() - t0).toBeLessThan(1_500);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ code: 'service_unavailable', status: 503, retryable: true });
      const shown = JSON.stringify((err as GatewayError).toBody()) + (err as GatewayError).message;
      expect(shown).not.toContain('s3cret-pass');
      expect(shown).not.toContain(port);
    }
    await expect(slot.release()).resolves.toBeUndefined();
    await Promise.all([limiter.close(), withPassword.close()]);
  });
});

describe('createRateLimiter', () => {
  it('is in-memory without a Redis URL and Redis-backed with one', async () => {
    const memory = await createRateLimiter({});
    const shared = await createRateLimiter({ redisUrl: server.url, keyPrefix: prefix() });
    expect(memory).toBeInstanceOf(MemoryRateLimiter);
    expect(shared).toBeInstanceOf(RedisRateLimiter);
    expect((await shared.consume('rpm:k', 1, HOUR)).allowed).toBe(true);
    await Promise.all([memory.close(), shared.close()]);
  });
});
