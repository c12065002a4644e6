/**
 * One behavioural suite, run over both limiters: the in-memory default and Redis (against a private
 * redis-server). Whatever a gateway process observes must not depend on which one it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import { MemoryRateLimiter } from '../../src/limits/memory.js';
import { RedisRateLimiter } from '../../src/limits/redis.js';
import type { RateLimiter } from '../../src/limits/types.js';
import { type RedisServer, startRedis } from './redis-server.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const implementations: Array<{ name: string; make: () => RateLimiter }> = [
  { name: 'memory', make: () => new MemoryRateLimiter() },
  { name: 'redis', make: () => new RedisRateLimiter(redis.url, `behaviour-${process.pid}-${Date.now()}:`) },
];

describe.each(implementations)('$name limiter', ({ make }) => {
  let limiter: RateLimiter;
  let seq = 0;
  const key = () => `key-${++seq}`;
  beforeAll(() => {
    limiter = make();
  });
  afterAll(async () => {
    await limiter.close();
  });

  describe('consume', () => {
    it('admits exactly `limit` of 200 concurrent consume calls', async () => {
      const k = key();
      const decisions = await Promise.all(Array.from({ length: 200 }, () => limiter.consume(k, 37, MINUTE)));
      const admitted = decisions.filter((d) => d.allowed);
      expect(admitted).toHaveLength(37);
      // Each admitted call saw a distinct count left: no two calls read the same state.
      expect(admitted.map((d) => d.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i));
      expect(decisions.filter((d) => !d.allowed).every((d) => d.remaining === 0 && d.retryAfterMs > 0)).toBe(true);
    });

    it('admits exactly `limit` for every limit 1..100, including those that do not divide the window evenly', async () => {
      // Each key's limit+3 calls go out as one batch, so they are decided within the same millisecond:
      // elapsed time cannot hide rounding that would refuse the last admissible unit.
      const wrong: Array<{ windowMs: number; limit: number; admitted: number }> = [];
      for (const windowMs of [MINUTE, HOUR]) {
        for (let limit = 1; limit <= 100; limit++) {
          const k = key();
          const batch = await Promise.all(Array.from({ length: limit + 3 }, () => limiter.consume(k, limit, windowMs)));
          const admitted = batch.filter((d) => d.allowed).length;
          if (admitted !== limit) wrong.push({ windowMs, limit, admitted });
        }
      }
      expect(wrong).toEqual([]);
    });

    it('a denied consume consumes nothing', async () => {
      const k = key();
      expect(await limiter.consume(k, 5, MINUTE, 4)).toMatchObject({ allowed: true, remaining: 1 });
      for (let i = 0; i < 20; i++) expect(await limiter.consume(k, 5, MINUTE, 3)).toMatchObject({ allowed: false, remaining: 1 });
      expect(await limiter.consume(k, 5, MINUTE, 1)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.consume(k, 5, MINUTE, 1)).allowed).toBe(false);
    });

    it('counts a cost above 1 as that many units (images per minute)', async () => {
      const k = key();
      expect(await limiter.consume(k, 10, MINUTE, 4)).toMatchObject({ allowed: true, limit: 10, remaining: 6 });
      expect(await limiter.consume(k, 10, MINUTE, 4)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await limiter.consume(k, 10, MINUTE, 4)).toMatchObject({ allowed: false, remaining: 2 });
      expect(await limiter.consume(k, 10, MINUTE, 2)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('retryAfterMs is the time until the refused cost fits; resetMs the time until full capacity', async () => {
      const k = key();
      const first = await limiter.consume(k, 4, MINUTE);
      expect(first).toMatchObject({ allowed: true, remaining: 3, retryAfterMs: 0 });
      expect(first.resetMs).toBeGreaterThan(14_900);
      expect(first.resetMs).toBeLessThanOrEqual(15_000);
      for (let i = 0; i < 3; i++) await limiter.consume(k, 4, MINUTE);
      const one = await limiter.consume(k, 4, MINUTE, 1);
      expect(one.allowed).toBe(false);
      // One unit drains every 60 s / 4 = 15 s.
      expect(one.retryAfterMs).toBeGreaterThan(14_900);
      expect(one.retryAfterMs).toBeLessThanOrEqual(15_000);
      expect(one.resetMs).toBeGreaterThan(59_900);
      expect(one.resetMs).toBeLessThanOrEqual(60_000);
      const three = await limiter.consume(k, 4, MINUTE, 3);
      expect(three.retryAfterMs).toBeGreaterThan(44_900);
      expect(three.retryAfterMs).toBeLessThanOrEqual(45_000);
    });

    it('the window slides: capacity returns unit by unit, not all at once at a boundary', async () => {
      const k = key();
      const windowMs = 600; // one unit drains every 200 ms
      for (let i = 0; i < 3; i++) expect((await limiter.consume(k, 3, windowMs)).allowed).toBe(true);
      const refused = await limiter.consume(k, 3, windowMs);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(150);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(200);

      await sleep(refused.retryAfterMs + 20);
      expect((await limiter.consume(k, 3, windowMs)).allowed).toBe(true);
      expect((await limiter.consume(k, 3, windowMs)).allowed).toBe(false);

      await sleep(windowMs + 20);
      const afterWindow = await Promise.all(Array.from({ length: 5 }, () => limiter.consume(k, 3, windowMs)));
      expect(afterWindow.filter((d) => d.allowed)).toHaveLength(3);
    });

    it('a changed limit counts the units already in use', async () => {
      const k = key();
      expect((await limiter.consume(k, 10, HOUR, 5)).allowed).toBe(true);
      expect(await limiter.consume(k, 6, HOUR, 1)).toMatchObject({ allowed: true, limit: 6, remaining: 0 });
      expect((await limiter.consume(k, 6, HOUR, 1)).allowed).toBe(false);
    });

    it('refuses a cost above the limit as invalid_request, since no wait could admit it', async () => {
      const err = await limiter.consume(key(), 4, MINUTE, 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ code: 'invalid_request', status: 400 });
      expect((err as GatewayError).message).toContain('at most 4');
    });
  });

  describe('refund', () => {
    it('gives back units consumed earlier', async () => {
      const k = key();
      for (let i = 0; i < 3; i++) await limiter.consume(k, 3, HOUR);
      expect((await limiter.consume(k, 3, HOUR)).allowed).toBe(false);
      await limiter.refund(k, HOUR, 2);
      const after = await Promise.all(Array.from({ length: 4 }, () => limiter.consume(k, 3, HOUR)));
      expect(after.filter((d) => d.allowed)).toHaveLength(2);
    });

    it('cannot raise capacity above the limit, and is a no-op for a key with nothing in use', async () => {
      const k = key();
      await limiter.refund(k, HOUR, 5);
      await limiter.consume(k, 4, HOUR, 1);
      await limiter.refund(k, HOUR, 10);
      const after = await Promise.all(Array.from({ length: 8 }, () => limiter.consume(k, 4, HOUR)));
      expect(after.filter((d) => d.allowed)).toHaveLength(4);
    });
  });

  describe('acquire', () => {
    it('admits exactly `max` of 200 concurrent acquires', async () => {
      const k = key();
      const slots = await Promise.all(Array.from({ length: 200 }, () => limiter.acquire(k, 7, MINUTE)));
      const held = slots.filter((s) => s.allowed);
      expect(held).toHaveLength(7);
      expect(held.map((s) => s.active).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(slots.filter((s) => !s.allowed).every((s) => s.active === 7 && s.limit === 7)).toBe(true);
      await Promise.all(held.map((s) => s.release()));
      expect((await limiter.acquire(k, 7, MINUTE)).active).toBe(1);
    });

    it('release frees the slot, and a second release frees nothing', async () => {
      const k = key();
      const a = await limiter.acquire(k, 2, MINUTE);
      const b = await limiter.acquire(k, 2, MINUTE);
      expect([a.allowed, b.allowed]).toEqual([true, true]);
      expect(await limiter.acquire(k, 2, MINUTE)).toMatchObject({ allowed: false, active: 2 });
      await a.release();
      await a.release();
      expect(await limiter.acquire(k, 2, MINUTE)).toMatchObject({ allowed: true, active: 2 });
      // b and the new holder: the double release did not free b's slot.
      expect(await limiter.acquire(k, 2, MINUTE)).toMatchObject({ allowed: false, active: 2 });
      await b.release();
    });

    it("a refused slot's release does nothing", async () => {
      const k = key();
      const a = await limiter.acquire(k, 1, MINUTE);
      const refused = await limiter.acquire(k, 1, MINUTE);
      expect(refused.allowed).toBe(false);
      await refused.release();
      expect((await limiter.acquire(k, 1, MINUTE)).allowed).toBe(false);
      await a.release();
      expect((await limiter.acquire(k, 1, MINUTE)).allowed).toBe(true);
    });

    it('a lease whose holder never releases expires after leaseMs', async () => {
      const k = key();
      expect((await limiter.acquire(k, 1, 200)).allowed).toBe(true);
      expect((await limiter.acquire(k, 1, 200)).allowed).toBe(false);
      await sleep(260);
      expect(await limiter.acquire(k, 1, 200)).toMatchObject({ allowed: true, active: 1 });
    });

    it('a short lease expiring does not take a longer lease held beside it', async () => {
      const k = key();
      const long = await limiter.acquire(k, 2, 10_000);
      const short = await limiter.acquire(k, 2, 100);
      expect([long.allowed, short.allowed]).toEqual([true, true]);
      await sleep(200);
      expect(await limiter.acquire(k, 2, 10_000)).toMatchObject({ allowed: true, active: 2 });
      expect((await limiter.acquire(k, 2, 10_000)).allowed).toBe(false);
    });
  });
});
