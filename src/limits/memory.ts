/** In-process limiter (the default): GCRA per key, leases per key, idle keys pruned. */
import { randomUUID } from 'node:crypto';
import { gcra } from './gcra.js';
import type { ConcurrencySlot, LimitDecision, RateLimiter } from './types.js';

export class MemoryRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>();
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly pruner: NodeJS.Timeout;

  constructor(pruneEveryMs = 60_000) {
    // A key whose TAT has passed is at full capacity: forgetting it changes nothing.
    this.pruner = setInterval(() => this.prune(), pruneEveryMs);
    this.pruner.unref();
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitDecision> {
    const now = Date.now();
    const r = gcra(this.tats.get(key) ?? now, now, limit, windowMs, cost);
    if (r.decision.allowed) this.tats.set(key, r.tat);
    return r.decision;
  }

  async refund(key: string, limit: number, windowMs: number, cost: number): Promise<void> {
    const tat = this.tats.get(key);
    if (tat !== undefined) this.tats.set(key, Math.max(Date.now(), tat - (cost * windowMs) / limit));
  }

  async acquire(key: string, max: number, leaseMs: number): Promise<ConcurrencySlot> {
    const now = Date.now();
    let set = this.leases.get(key);
    if (!set) this.leases.set(key, (set = new Map()));
    for (const [id, exp] of set) if (exp <= now) set.delete(id);
    if (set.size >= max) return { allowed: false, limit: max, active: set.size, release: async () => undefined };
    const id = randomUUID();
    set.set(id, now + leaseMs);
    return {
      allowed: true,
      limit: max,
      active: set.size,
      release: async () => {
        set.delete(id);
      },
    };
  }

  prune(now = Date.now()): void {
    for (const [k, tat] of this.tats) if (tat <= now) this.tats.delete(k);
    for (const [k, set] of this.leases) {
      for (const [id, exp] of set) if (exp <= now) set.delete(id);
      if (set.size === 0) this.leases.delete(k);
    }
  }

  get size(): number {
    return this.tats.size + this.leases.size;
  }

  async close(): Promise<void> {
    clearInterval(this.pruner);
  }
}
