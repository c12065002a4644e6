export interface LimitDecision {
  allowed: boolean;
  limit: number;
  /** Whole units that could still be consumed right now (after this call). */
  remaining: number;
  /** ms until every consumed unit has drained, i.e. the limit is back to full capacity. */
  resetMs: number;
  /** ms until this same request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

export interface ConcurrencySlot {
  allowed: boolean;
  limit: number;
  /** Slots held under this key, counting this one when allowed. */
  active: number;
  /** Idempotent: a second call does nothing. A refused slot's release does nothing. */
  release: () => Promise<void>;
}

export interface RateLimiter {
  /** Check-and-consume `cost` units of `limit` per `windowMs` under `key`. A denied call consumes nothing. */
  consume(key: string, limit: number, windowMs: number, cost?: number): Promise<LimitDecision>;
  /**
   * Give back units consumed earlier, e.g. by a request refused later in the pipeline before any upstream
   * call. Never frees more than is in use, so it cannot raise capacity above the limit.
   */
  refund(key: string, windowMs: number, cost: number): Promise<void>;
  /** Take one of `max` slots; the lease expires after leaseMs if its holder dies. */
  acquire(key: string, max: number, leaseMs: number): Promise<ConcurrencySlot>;
  /** Resolves when the store behind the limiter answers (readiness probe); rejects with why not. */
  check(): Promise<void>;
  close(): Promise<void>;
}
