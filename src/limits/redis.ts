/**
 * Redis limiter, used when REDIS_URL is set: the same GCRA buckets and leases as memory.ts, each step one
 * Lua script (ioredis defineCommand: EVALSHA with EVAL fallback), so several gateway processes enforce one
 * limit together.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { GatewayError } from '../domain/errors.js';
import { checkAcquireArgs, checkConsumeArgs } from './gcra.js';
import { ACQUIRE, CONSUME, REFUND } from './redis-scripts.js';
import type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

interface LimitScripts {
  limitConsume(key: string, limit: number, windowMs: number, cost: number): Promise<[number, number, number, number]>;
  limitRefund(key: string, windowMs: number, cost: number): Promise<number>;
  limitAcquire(key: string, max: number, leaseMs: number, leaseId: string): Promise<[number, number]>;
}

function storeUnavailable(cause: unknown): GatewayError {
  // The message is ours, not the driver's: driver errors can carry the Redis address.
  return new GatewayError('service_unavailable', 'The rate-limit store is unreachable, so the request cannot be admitted. Retry in a few seconds.', {
    cause,
    retryable: true,
    retryAfterMs: 1000,
    headers: { 'retry-after': '1' },
  });
}

export interface RedisLimiterOptions {
  /**
   * A decision normally takes well under a millisecond; past this the request is refused with 503 rather
   * than left waiting on reconnects while Redis is down (commands queued offline count too).
   */
  commandTimeoutMs?: number;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis & LimitScripts;

  constructor(
    url: string,
    private readonly prefix = 'imagegate:',
    opts: RedisLimiterOptions = {},
  ) {
    const redis = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, commandTimeout: opts.commandTimeoutMs ?? 2_000 });
    // Connection errors reach callers as rejected commands (→ 503); without a listener ioredis would also
    // print each one to stderr, outside the JSON log.
    redis.on('error', () => undefined);
    redis.defineCommand('limitConsume', { numberOfKeys: 1, lua: CONSUME });
    redis.defineCommand('limitRefund', { numberOfKeys: 1, lua: REFUND });
    redis.defineCommand('limitAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    this.redis = redis as Redis & LimitScripts;
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitDecision> {
    checkConsumeArgs(limit, windowMs, cost);
    const [allowed, remaining, resetMs, retryAfterMs] = await this.redis.limitConsume(this.bucketKey(key), limit, windowMs, cost).catch((e: unknown) => {
      throw storeUnavailable(e);
    });
    return { allowed: allowed === 1, limit, remaining, resetMs, retryAfterMs };
  }

  async refund(key: string, windowMs: number, cost: number): Promise<void> {
    await this.redis.limitRefund(this.bucketKey(key), windowMs, cost).catch((e: unknown) => {
      throw storeUnavailable(e);
    });
  }

  async acquire(key: string, max: number, leaseMs: number): Promise<ConcurrencySlot> {
    checkAcquireArgs(max, leaseMs);
    const leaseId = randomUUID();
    const leasesKey = `${this.prefix}cc:${key}`;
    const [allowed, active] = await this.redis.limitAcquire(leasesKey, max, leaseMs, leaseId).catch((e: unknown) => {
      throw storeUnavailable(e);
    });
    let released = allowed !== 1;
    return {
      allowed: allowed === 1,
      limit: max,
      active,
      release: async () => {
        if (released) return;
        released = true;
        // Release runs in cleanup paths and must not turn a finished request into an error; if Redis is
        // unreachable now, the lease expires on its own after leaseMs, which is what the expiry is for.
        await this.redis.zrem(leasesKey, leaseId).catch(() => undefined);
      },
    };
  }

  async check(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private bucketKey(key: string): string {
    return `${this.prefix}rl:${key}`;
  }
}
