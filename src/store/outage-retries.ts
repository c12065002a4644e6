/**
 * Writes that must happen but failed because the database was unreachable, tried again in order until they
 * take. For what only this process would ever write: a live process's hold closes (the sweep refunds only
 * holds whose owner is gone) and the release of its Idempotency-Key claims (a retry elsewhere waits for a
 * live owner). Each write must be guarded so that repeating one that did commit changes nothing.
 */
import { databaseOutage } from '../domain/database-outage.js';

interface Pending<T> {
  attempt: () => Promise<T>;
  done: (o: T) => void;
}

export class OutageRetries<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly retryMs = 1000) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Runs `attempt`; if the database is unreachable, keeps retrying it in the background under `id` (a second
   * write under the same id while one waits is dropped: `ifDropped`). Rejects with the outage unless `wait`,
   * in which case it resolves once a retry took.
   */
  async run(id: string, attempt: () => Promise<T>, opts: { wait: boolean; ifDropped: T }): Promise<T> {
    try {
      return await attempt();
    } catch (e) {
      if (!databaseOutage(e)) throw e;
      const later = new Promise<T>((done) => {
        if (!this.pending.has(id)) this.pending.set(id, { attempt, done });
        else done(opts.ifDropped);
        this.schedule();
      });
      if (opts.wait) return later;
      throw e;
    }
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
    for (const [id, p] of this.pending) {
      try {
        p.done(await p.attempt());
        this.pending.delete(id);
      } catch {
        // Still unreachable: the rest would fail alike.
        break;
      }
    }
    this.schedule();
  }
}
