/**
 * GCRA in its leaky-bucket form, the algorithm both limiters use. A key holds `used` units as of time `at`;
 * they drain continuously at `limit / windowMs` units per ms. A call is admitted when its cost still fits
 * under `limit`; a refused call changes nothing.
 *
 * Why GCRA: one small record per key whatever the limit (a sliding-window log keeps one entry per unit,
 * so images-per-minute limits of thousands would keep thousands of entries per key), and no boundary burst:
 * a fixed window admits 2×limit within a millisecond across its boundary, GCRA never admits more than
 * `limit` at one instant, and over any span T at most `limit + T·limit/windowMs`.
 *
 * Why `used` relative to `at` rather than a theoretical arrival time: a TAT is an absolute timestamp near
 * 1.7e12 ms, where a double resolves only ~0.0002 ms, and adding `windowMs/limit` to it `limit` times drifts
 * far enough to refuse the last admissible unit (limit 7 per 300 ms admitted 6). Counts of a few units and
 * integer elapsed milliseconds stay exact. The Lua scripts in redis-scripts.ts repeat these formulas
 * operation for operation, so both limiters decide identically.
 */
import { GatewayError } from '../domain/errors.js';
import type { LimitDecision } from './types.js';

export interface Bucket {
  /** ms timestamp `used` was measured at. */
  at: number;
  /** Units in use at `at`. */
  used: number;
  /** The limit of the last admitted call: it sets the drain rate a later refund measures with. */
  limit: number;
}

/** Absorbs float rounding in `used`; far below one unit's worth of a millisecond for any sane limit. */
const EPSILON = 1e-9;

/** Units of `b` still in use at `now`. A wall clock stepping back never adds usage. */
export function usedAt(b: Bucket | undefined, now: number, limit: number, windowMs: number): number {
  if (!b) return 0;
  return Math.max(0, b.used - (Math.max(0, now - b.at) * limit) / windowMs);
}

/** ms until `used` units have drained. */
export function drainMs(used: number, limit: number, windowMs: number): number {
  return Math.max(0, Math.ceil(used * (windowMs / limit) - 1e-6));
}

/** Decide a consume of `cost` against `used` units in use now; returns the units in use afterwards. */
export function admit(used: number, limit: number, windowMs: number, cost: number): { decision: LimitDecision; used: number } {
  const after = used + cost;
  const allowed = after <= limit + EPSILON * limit;
  const inUse = allowed ? after : used;
  return {
    used: inUse,
    decision: {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(limit - inUse + EPSILON * limit)),
      resetMs: drainMs(inUse, limit, windowMs),
      retryAfterMs: allowed ? 0 : Math.max(1, drainMs(after - limit, limit, windowMs)),
    },
  };
}

/**
 * Limits come from key settings and costs from the request; a cost above the limit can never be admitted,
 * so telling the caller to retry later would be a lie.
 */
export function checkConsumeArgs(limit: number, windowMs: number, cost: number): void {
  if (!(Number.isFinite(limit) && limit > 0) || !(Number.isFinite(windowMs) && windowMs > 0) || !(Number.isFinite(cost) && cost >= 0)) {
    throw new GatewayError(
      'internal_error',
      `Rate limiter misconfigured: limit=${limit}, windowMs=${windowMs}, cost=${cost}; limit and window must be positive and cost non-negative.`,
    );
  }
  if (cost > limit) {
    throw new GatewayError(
      'invalid_request',
      `This request needs ${cost} units at once but the limit is ${limit} per ${windowMs / 1000} s, so no wait can admit it. Ask for at most ${limit}.`,
      { details: { limit, requested: cost } },
    );
  }
}

export function checkAcquireArgs(max: number, leaseMs: number): void {
  if (!(Number.isInteger(max) && max > 0) || !(Number.isFinite(leaseMs) && leaseMs > 0)) {
    throw new GatewayError('internal_error', `Concurrency limiter misconfigured: max=${max}, leaseMs=${leaseMs}; both must be positive (max an integer).`);
  }
}
