import { MemoryRateLimiter } from './memory.js';
import type { RedisLimiterOptions } from './redis.js';
import type { RateLimiter } from './types.js';

export { rateLimitHeaders } from './headers.js';
export type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

/** In-memory by default; shared through Redis when REDIS_URL is set, so several processes enforce one limit. */
export async function createRateLimiter(opts: { redisUrl?: string; keyPrefix?: string } & RedisLimiterOptions): Promise<RateLimiter> {
  if (!opts.redisUrl) return new MemoryRateLimiter();
  // The Redis client is loaded only when it is used.
  const { RedisRateLimiter } = await import('./redis.js');
  return new RedisRateLimiter(opts.redisUrl, opts.keyPrefix, opts);
}
