export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** ms until the limit is fully replenished. */
  resetMs: number;
  /** ms until this request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

export interface ConcurrencySlot {
  allowed: boolean;
  limit: number;
  active: number;
  /** Idempotent. */
  release: () => Promise<void>;
}

export interface RateLimiter {
  /** Check-and-consume `cost` units of `limit` per `windowMs` under `key`. A denied call consumes nothing. */
  consume(key: string, limit: number, windowMs: number, cost?: number): Promise<LimitDecision>;
  /** Give back units consumed earlier. */
  refund(key: string, limit: number, windowMs: number, cost: number): Promise<void>;
  /** Take one of `max` slots; the lease expires after leaseMs if its holder dies. */
  acquire(key: string, max: number, leaseMs: number): Promise<ConcurrencySlot>;
  close(): Promise<void>;
}
