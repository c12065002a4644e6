import { MemoryRateLimiter } from './memory.js';
import { RedisRateLimiter } from './redis.js';
import type { RateLimiter } from './types.js';

export { rateLimitHeaders } from './headers.js';
export type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

/** In-memory by default; shared through Redis when REDIS_URL is set. */
export function createRateLimiter(opts: { redisUrl?: string; keyPrefix?: string }): RateLimiter {
  return opts.redisUrl ? new RedisRateLimiter(opts.redisUrl, opts.keyPrefix) : new MemoryRateLimiter();
}
