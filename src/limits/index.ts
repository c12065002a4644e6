import { MemoryRateLimiter } from './memory.js';
import { type RedisLimiterOptions, RedisRateLimiter } from './redis.js';
import type { RateLimiter } from './types.js';

export { rateLimitHeaders } from './headers.js';
export type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

/** In-memory by default; shared through Redis when REDIS_URL is set, so several processes enforce one limit. */
export function createRateLimiter(opts: { redisUrl?: string; keyPrefix?: string } & RedisLimiterOptions): RateLimiter {
  return opts.redisUrl ? new RedisRateLimiter(opts.redisUrl, opts.keyPrefix, opts) : new MemoryRateLimiter();
}
