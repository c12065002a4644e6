/**
 * Per-provider concurrency caps: the catalog's `max_concurrency`, enforced in each gateway process.
 * Upstreams throttle concurrent work per account (and the local renderer eats CPU), so a burst of requests
 * or a full task queue must not put more calls in flight than the operator allowed. Each provider gets a FIFO
 * semaphore held for one whole adapter call (a task-style upstream's polling included, since its task keeps
 * running upstream the whole time). A waiter gives up with its request's abort signal or deadline; running
 * out of time while waiting fails exactly like an upstream that did not answer in time (retryable, so
 * dispatch may fail over to another route).
 */
import type { ImageJob, ImageResult } from '../domain/job.js';
import type { CallContext, ProviderAdapter, Route } from '../domain/adapter.js';
import { GatewayError } from '../domain/errors.js';

type Wait = Pick<CallContext, 'signal' | 'deadline'>;

/** A provider's `max_concurrency` when the catalog sets none. */
export const DEFAULT_MAX_CONCURRENCY = 64;

class Semaphore {
  private used = 0;
  /** Grants of the waiters, oldest first. */
  private readonly queue: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a release function (idempotent) once a slot is ours. */
  acquire(wait: Wait, provider: string): Promise<() => void> {
    if (this.used < this.capacity && this.queue.length === 0) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    if (wait.signal.aborted) return Promise.reject(cancelled(provider));
    const remaining = wait.deadline - Date.now();
    if (remaining <= 0) return Promise.reject(timedOut(provider, this.capacity));
    return new Promise((resolve, reject) => {
      const give = (err: GatewayError) => {
        const i = this.queue.indexOf(grant);
        // Already granted: the slot was handed to us in the same turn; the grant below wins.
        if (i < 0) return;
        this.queue.splice(i, 1);
        cleanup();
        reject(err);
      };
      const onAbort = () => give(cancelled(provider));
      const timer = setTimeout(() => give(timedOut(provider, this.capacity)), remaining);
      const cleanup = () => {
        clearTimeout(timer);
        wait.signal.removeEventListener('abort', onAbort);
      };
      // A releasing holder hands its slot straight to the oldest waiter (`used` stays the same), so a newcomer
      // can never overtake the queue.
      const grant = () => {
        cleanup();
        resolve(this.releaser());
      };
      wait.signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.queue.shift();
      if (next) next();
      else this.used--;
    };
  }
}

const cancelled = (provider: string) => new GatewayError('upstream_error', `The request to provider "${provider}" was cancelled.`, { retryable: false });

// The same code, type and `reason` as an upstream that did not answer in time (providers/http.ts).
const timedOut = (provider: string, capacity: number) =>
  new GatewayError(
    'upstream_error',
    `Provider "${provider}" did not answer within the model's time limit: all ${capacity} concurrent calls this gateway allows it were busy. Retry later.`,
    { retryable: true, details: { reason: 'timeout' } },
  );

/** One provider's slots at a moment: what /metrics shows. */
export interface SlotUsage {
  provider: string;
  inUse: number;
  waiting: number;
  capacity: number;
}

export class ProviderSlots {
  private readonly semaphores = new Map<string, Semaphore>();

  /**
   * `capacityOf` is read once per provider, at its first call. `onWaited` hears how long each call that got
   * its slot waited for it (seconds; 0 when one was free).
   */
  constructor(
    private readonly capacityOf: (provider: string) => number,
    private readonly onWaited?: (provider: string, seconds: number) => void,
  ) {}

  /** Run `fn` holding one of the provider's slots. */
  async run<T>(provider: string, wait: Wait, fn: () => Promise<T>): Promise<T> {
    const asked = performance.now();
    const release = await this.semaphore(provider).acquire(wait, provider);
    this.onWaited?.(provider, (performance.now() - asked) / 1000);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Calls in flight and callers waiting, per provider (metrics, tests). */
  usage(provider: string): { inUse: number; waiting: number; capacity: number } {
    const s = this.semaphore(provider);
    return { inUse: s.inUse, waiting: s.waiting, capacity: s.capacity };
  }

  /** Every provider called so far, with its slots in use and its callers waiting. */
  snapshot(): SlotUsage[] {
    return [...this.semaphores].map(([provider, s]) => ({ provider, inUse: s.inUse, waiting: s.waiting, capacity: s.capacity }));
  }

  private semaphore(provider: string): Semaphore {
    let s = this.semaphores.get(provider);
    if (!s) {
      s = new Semaphore(Math.max(1, this.capacityOf(provider)));
      this.semaphores.set(provider, s);
    }
    return s;
  }
}

/**
 * The same adapters, with every upstream job (generate, and resume of an upstream task) run inside a slot of
 * its route's provider. Validation and cancel are not capped: they either do no I/O or must get through
 * even when the provider is saturated.
 */
/** Tells the caller the job starts, then starts it. */
function started<T>(ctx: CallContext, fn: () => Promise<T>): Promise<T> {
  ctx.onUpstreamStart?.();
  return fn();
}

export function withProviderSlots(adapters: ReadonlyMap<string, ProviderAdapter>, slots: ProviderSlots): Map<string, ProviderAdapter> {
  const wrap = (a: ProviderAdapter): ProviderAdapter => {
    const resume = a.resume?.bind(a);
    return {
      name: a.name,
      validate: a.validate?.bind(a),
      cancel: a.cancel?.bind(a),
      // A look at a host's queue is no upstream job: it takes no slot, or a saturated provider could not be weighed.
      queueDepth: a.queueDepth?.bind(a),
      generate: (job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> =>
        slots.run(route.provider, ctx, () => started(ctx, () => a.generate(job, route, ctx))),
      ...(resume
        ? {
            resume: (id: string, job: ImageJob, route: Route, ctx: CallContext) =>
              slots.run(route.provider, ctx, () => started(ctx, () => resume(id, job, route, ctx))),
          }
        : {}),
    };
  };
  return new Map([...adapters].map(([name, a]) => [name, wrap(a)]));
}
