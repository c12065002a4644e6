/**
 * In-process limiter, the default when no REDIS_URL is set. Every call is synchronous inside one event-loop
 * turn, so check-and-consume is atomic without locks. State per key is one Bucket, or at most `max` leases;
 * keys that go idle are dropped by a periodic, unref'd prune (and ignored lazily before that).
 */
import { admit, type Bucket, checkAcquireArgs, checkConsumeArgs, usedAt } from './gcra.js';
import type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

interface MemoryBucket extends Bucket {
  /** When every unit has drained; from then on the bucket equals no bucket and can be forgotten. */
  idleAt: number;
}

/** lease id → expiry (ms timestamp). */
type Leases = Map<number, number>;

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, MemoryBucket>();
  private readonly leases = new Map<string, Leases>();
  private nextLeaseId = 0;
  private readonly pruner: NodeJS.Timeout;

  constructor(opts: { pruneEveryMs?: number } = {}) {
    this.pruner = setInterval(() => this.prune(), opts.pruneEveryMs ?? 60_000);
    // The limiter must never be what keeps a process alive.
    this.pruner.unref();
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitDecision> {
    checkConsumeArgs(limit, windowMs, cost);
    const now = Date.now();
    const r = admit(usedAt(this.buckets.get(key), now, limit, windowMs), limit, windowMs, cost);
    if (r.decision.allowed) this.store(key, now, r.used, limit, windowMs);
    return r.decision;
  }

  async refund(key: string, windowMs: number, cost: number): Promise<void> {
    const b = this.buckets.get(key);
    if (!b) return;
    const now = Date.now();
    this.store(key, now, Math.max(0, usedAt(b, now, b.limit, windowMs) - cost), b.limit, windowMs);
  }

  async acquire(key: string, max: number, leaseMs: number): Promise<ConcurrencySlot> {
    checkAcquireArgs(max, leaseMs);
    const now = Date.now();
    let held = this.leases.get(key);
    if (held) dropExpired(held, now);
    const active = held?.size ?? 0;
    if (active >= max) return { allowed: false, limit: max, active, release: async () => undefined };
    if (!held) this.leases.set(key, (held = new Map()));
    const id = ++this.nextLeaseId;
    held.set(id, now + leaseMs);
    const leases = held;
    return {
      allowed: true,
      limit: max,
      active: leases.size,
      release: async () => {
        // Ids are never reused, so a second release (or one after expiry) cannot free another holder's slot.
        if (leases.delete(id) && leases.size === 0 && this.leases.get(key) === leases) this.leases.delete(key);
      },
    };
  }

  /** Forget drained buckets and expired leases. Runs on a timer; callable directly. */
  prune(now = Date.now()): void {
    for (const [key, b] of this.buckets) if (b.idleAt <= now) this.buckets.delete(key);
    for (const [key, held] of this.leases) {
      dropExpired(held, now);
      if (held.size === 0) this.leases.delete(key);
    }
  }

  /** Keys with state (buckets plus lease sets): what an idle-key leak would grow. */
  get trackedKeys(): number {
    return this.buckets.size + this.leases.size;
  }

  /** In this process's memory: always there. */
  async check(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.pruner);
  }

  private store(key: string, at: number, used: number, limit: number, windowMs: number): void {
    if (used <= 0) {
      this.buckets.delete(key);
      return;
    }
    this.buckets.set(key, { at, used, limit, idleAt: at + used * (windowMs / limit) });
  }
}

function dropExpired(held: Leases, now: number): void {
  for (const [id, expiry] of held) if (expiry <= now) held.delete(id);
}
