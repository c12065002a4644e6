/**
 * Sends a job to its model's routes: priority order, weighted choice within a priority, retries with
 * backoff (honouring Retry-After) for retryable failures, failover to the next route, and a circuit breaker
 * that lets a failing route cool down. The only place that decides "try again" or "try elsewhere".
 */
import type { ProviderSpec } from '../domain/model-spec.js';
import type { CallContext, ProviderAdapter, Route } from '../domain/adapter.js';
import { GatewayError, toGatewayError } from '../domain/errors.js';
import type { ImageJob, ImageResult } from '../domain/job.js';
import type { QueueDepths } from './queue-depths.js';

interface BreakerState {
  failures: number;
  openUntil: number;
}

export class CircuitBreakers {
  private readonly state = new Map<string, BreakerState>();

  isOpen(routeId: string, now = Date.now()): boolean {
    const s = this.state.get(routeId);
    return s !== undefined && s.openUntil > now;
  }

  /** A success closes the breaker. */
  success(routeId: string): void {
    this.state.delete(routeId);
  }

  failure(routeId: string, threshold: number, cooldownMs: number, now = Date.now()): void {
    const s = this.state.get(routeId) ?? { failures: 0, openUntil: 0 };
    s.failures++;
    if (s.failures >= threshold) {
      s.openUntil = now + cooldownMs;
      s.failures = 0;
    }
    this.state.set(routeId, s);
  }

  openUntil(routeId: string): number {
    return this.state.get(routeId)?.openUntil ?? 0;
  }

  /**
   * The route's circuit as an operator reads it: open while cooling down; half-open once the cooldown is
   * over and no attempt has succeeded since (the next attempt is the trial); closed otherwise.
   */
  describe(routeId: string, now = Date.now()): CircuitState {
    const s = this.state.get(routeId);
    if (!s || s.openUntil === 0) return { state: 'closed', failures: s?.failures ?? 0 };
    return { state: s.openUntil > now ? 'open' : 'half-open', failures: s.failures, open_until: s.openUntil };
  }
}

export interface CircuitState {
  state: 'closed' | 'open' | 'half-open';
  /** Consecutive failures counted towards the next opening. */
  failures: number;
  /** When the cooldown ends (or ended), ms since epoch; absent while the circuit has never opened. */
  open_until?: number;
}

/** Priority ascending; within one priority a weighted random order; routes cooling down go last. */
export function orderRoutes(routes: readonly Route[], breakers: CircuitBreakers, random = Math.random): Route[] {
  const byPriority = new Map<number, Route[]>();
  for (const r of routes) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const ordered: Route[] = [];
  for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = [...byPriority.get(p)!];
    while (pool.length) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      let pick = random() * total;
      let i = 0;
      for (; i < pool.length - 1; i++) {
        pick -= pool[i]!.weight;
        if (pick < 0) break;
      }
      ordered.push(pool.splice(i, 1)[0]!);
    }
  }
  const closed = ordered.filter((r) => !breakers.isOpen(r.id));
  // When every route is cooling down, still try the one that recovers first rather than failing blind.
  const open = ordered.filter((r) => breakers.isOpen(r.id)).sort((a, b) => breakers.openUntil(a.id) - breakers.openUntil(b.id));
  return closed.length ? closed : open.slice(0, 1);
}

export interface DispatchDeps {
  adapters: ReadonlyMap<string, ProviderAdapter>;
  providerSpec: (name: string) => ProviderSpec | undefined;
  breakers: CircuitBreakers;
  /** Base backoff between retries on one route (doubles each attempt). */
  backoffMs?: number;
  /** Told which route created an upstream task, so a restart can resume polling it there. */
  onUpstreamTask?: (upstreamTaskId: string, routeId: string) => void | Promise<void>;
  /** Told of every attempt at an upstream: its provider, how it ended, how long it took. */
  onAttempt?: (attempt: UpstreamAttempt) => void;
  /** Within one priority, hosts with shorter queues first (adapters with queueDepth). */
  queueDepths?: QueueDepths;
}

export interface UpstreamAttempt {
  provider: string;
  /** The route tried (`model#index:provider`). */
  route: string;
  /** `ok`, or the error code the attempt ended with. */
  outcome: 'ok' | GatewayError['code'];
  seconds: number;
}

export interface DispatchOutcome {
  result: ImageResult;
  route: Route;
  attempts: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** The same error, no longer retryable (so nothing above tries again either). */
function finalError(err: GatewayError): GatewayError {
  return new GatewayError(err.code, err.message, {
    param: err.param,
    retryable: false,
    details: err.details,
    upstreamRequestId: err.upstreamRequestId,
    cause: err,
  });
}

export async function dispatch(job: ImageJob, routes: readonly Route[], ctx: CallContext, deps: DispatchDeps): Promise<DispatchOutcome> {
  let last: GatewayError | undefined;
  let attempts = 0;
  // Whether the client has seen part of an answer: a streamed piece or preview, or a passed-through image.
  let deltaShown = false;
  const onDelta = ctx.onDelta;
  const onPartialImage = ctx.onPartialImage;
  const seenCtx: CallContext = {
    ...ctx,
    ...(onDelta ? { onDelta: (d) => ((deltaShown = true), onDelta(d)) } : {}),
    ...(onPartialImage ? { onPartialImage: (p) => ((deltaShown = true), onPartialImage(p)) } : {}),
  };
  const clientSawSome = () => deltaShown || ctx.passThrough?.started === true;
  const ordered = orderRoutes(routes, deps.breakers);
  for (const route of deps.queueDepths ? await deps.queueDepths.order(ordered, deps.adapters) : ordered) {
    const adapter = deps.adapters.get(route.provider);
    if (!adapter) continue;
    const spec = deps.providerSpec(route.provider);
    const tries = 1 + (spec?.retries ?? 1);
    for (let i = 0; i < tries; i++) {
      if (ctx.signal.aborted) throw last ?? new GatewayError('upstream_error', 'The request was cancelled.');
      attempts++;
      const started = performance.now();
      const report = (outcome: UpstreamAttempt['outcome']) =>
        deps.onAttempt?.({ provider: route.provider, route: route.id, outcome, seconds: (performance.now() - started) / 1000 });
      try {
        const onUpstreamTask = deps.onUpstreamTask;
        const routeCtx: CallContext = onUpstreamTask ? { ...seenCtx, onUpstreamTask: (id) => onUpstreamTask(id, route.id) } : seenCtx;
        deps.queueDepths?.sent(route);
        const result = await adapter.generate(job, route, routeCtx);
        report('ok');
        deps.breakers.success(route.id);
        return { result, route, attempts };
      } catch (e) {
        const err = toGatewayError(e);
        report(err.code);
        last = err;
        if (!err.retryable || err.code === 'upstream_timeout') throw err;
        // The client already has part of this answer: another try would show it a second one after it.
        if (clientSawSome()) throw finalError(err);
        deps.breakers.failure(route.id, spec?.breaker_failures ?? 5, spec?.breaker_cooldown_ms ?? 30_000);
        if (i === tries - 1) break;
        const wait = Math.max(err.retryAfterMs ?? 0, (deps.backoffMs ?? 250) * 2 ** i);
        if (Date.now() + wait >= ctx.deadline) break;
        try {
          await sleep(wait, ctx.signal);
        } catch {
          throw err;
        }
      }
    }
  }
  if (!last) throw new GatewayError('upstream_error', `No provider adapter is available for model "${job.model}".`);
  throw last;
}
