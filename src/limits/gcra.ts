/**
 * GCRA (the generic cell rate algorithm): an exact rolling limit of `limit` units per `windowMs` with one
 * number of state per key, the theoretical arrival time (TAT). Unlike a fixed window it cannot admit twice
 * the limit around a window boundary, and unlike a log of timestamps its memory does not grow with the limit.
 * The Redis script in redis.ts computes the same thing.
 */
import type { LimitDecision } from './types.js';

export function gcra(tat: number, now: number, limit: number, windowMs: number, cost: number): { decision: LimitDecision; tat: number } {
  const interval = windowMs / limit;
  const base = Math.max(tat, now);
  const next = base + cost * interval;
  const allowed = next - now <= windowMs;
  const newTat = allowed ? next : tat;
  const used = Math.max(0, newTat - now);
  return {
    tat: newTat,
    decision: {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor((windowMs - used) / interval + 1e-9)),
      resetMs: Math.ceil(used),
      retryAfterMs: allowed ? 0 : Math.ceil(next - now - windowMs),
    },
  };
}
