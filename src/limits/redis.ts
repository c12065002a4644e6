/**
 * Redis limiter: the same GCRA and leases as memory.ts, each step one Lua script, so several gateway
 * processes sharing a Redis enforce one limit together, atomically. Time comes from Redis (TIME), so the
 * processes' clocks do not have to agree.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] tat key; ARGV limit, windowMs, cost. Returns {allowed, remaining, resetMs, retryAfterMs}. */
const CONSUME = `${NOW}
local limit = tonumber(ARGV[1]) local window = tonumber(ARGV[2]) local cost = tonumber(ARGV[3])
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
local base = math.max(tat, now)
local nxt = base + cost * interval
local allowed = (nxt - now) <= window
local newTat = tat
if allowed then newTat = nxt redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1) end
local used = math.max(0, newTat - now)
local remaining = math.max(0, math.floor((window - used) / interval + 1e-9))
local retry = 0
if not allowed then retry = math.ceil(nxt - now - window) end
return {allowed and 1 or 0, remaining, math.ceil(used), retry}`;

const REFUND = `${NOW}
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then
  local newTat = math.max(now, tat - tonumber(ARGV[1]))
  if newTat > now then redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.ceil(newTat - now) + 1) else redis.call('DEL', KEYS[1]) end
end
return 1`;

/** KEYS[1] lease zset; ARGV max, leaseMs, id. Returns {allowed, active}. */
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active = redis.call('ZCARD', KEYS[1])
if active >= tonumber(ARGV[1]) then return {0, active} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return {1, active + 1}`;

type Scripts = {
  igConsume(key: string, limit: number, windowMs: number, cost: number): Promise<[number, number, number, number]>;
  igRefund(key: string, ms: number): Promise<number>;
  igAcquire(key: string, max: number, leaseMs: number, id: string): Promise<[number, number]>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis & Scripts;

  constructor(url: string, private readonly prefix = 'imagegate:') {
    const redis = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: false });
    redis.defineCommand('igConsume', { numberOfKeys: 1, lua: CONSUME });
    redis.defineCommand('igRefund', { numberOfKeys: 1, lua: REFUND });
    redis.defineCommand('igAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    this.redis = redis as Redis & Scripts;
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitDecision> {
    const [allowed, remaining, resetMs, retryAfterMs] = await this.redis.igConsume(`${this.prefix}rl:${key}`, limit, windowMs, cost);
    return { allowed: allowed === 1, limit, remaining, resetMs, retryAfterMs };
  }

  async refund(key: string, limit: number, windowMs: number, cost: number): Promise<void> {
    await this.redis.igRefund(`${this.prefix}rl:${key}`, (cost * windowMs) / limit);
  }

  async acquire(key: string, max: number, leaseMs: number): Promise<ConcurrencySlot> {
    const id = randomUUID();
    const zkey = `${this.prefix}cc:${key}`;
    const [allowed, active] = await this.redis.igAcquire(zkey, max, leaseMs, id);
    let released = allowed !== 1;
    return {
      allowed: allowed === 1,
      limit: max,
      active,
      release: async () => {
        if (released) return;
        released = true;
        await this.redis.zrem(zkey, id);
      },
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
