import type { LimitDecision } from './types.js';

/** x-ratelimit-* (and Retry-After when refused), in whole seconds of at least 1. */
export function rateLimitHeaders(d: LimitDecision): Record<string, string> {
  const secs = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
  return {
    'x-ratelimit-limit': String(d.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': secs(d.resetMs),
    ...(d.allowed ? {} : { 'retry-after': secs(d.retryAfterMs) }),
  };
}
