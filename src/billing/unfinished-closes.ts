/**
 * Hold closes that failed because the database was unreachable. The sweep refunds only holds whose owner
 * process is gone, so a live process must finish its own: each close is tried again, in order, until it
 * takes (a close is guarded on the hold being open, so a retry after a close that did commit is a no-op).
 */
import type { CloseOutcome } from './ledger.js';

interface Pending {
  attempt: () => Promise<CloseOutcome>;
  done: (o: CloseOutcome) => void;
}

export class UnfinishedCloses {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly retryMs = 1000) {}

  get size(): number {
    return this.pending.size;
  }

  /** Keeps retrying `attempt` for this hold; resolves with its outcome once it took. */
  add(holdId: string, attempt: () => Promise<CloseOutcome>): Promise<CloseOutcome> {
    return new Promise((done) => {
      // A hold is closed one way only: a later close of the same hold replaces nothing (its guard would no-op).
      if (!this.pending.has(holdId)) this.pending.set(holdId, { attempt, done });
      else done({ closed: false });
      this.schedule();
    });
  }

  /** One more round now (at shutdown); what still fails is left to the sweep of another instance or the next start. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.retry();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => void this.retry(), this.retryMs);
    this.timer.unref();
  }

  private async retry(): Promise<void> {
    this.timer = undefined;
    for (const [holdId, p] of this.pending) {
      try {
        p.done(await p.attempt());
        this.pending.delete(holdId);
      } catch {
        // Still unreachable: the rest would fail alike.
        break;
      }
    }
    this.schedule();
  }
}
