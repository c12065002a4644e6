/**
 * Upstream attempts per route since this process started, for GET /v1/admin/providers: counts by outcome and
 * latency percentiles. Percentiles come from the route's most recent attempts (a bounded window), so memory
 * stays fixed however long the process runs; Prometheus keeps the histograms for anything longer.
 */
import type { UpstreamAttempt } from '../pipeline/dispatch.js';

const WINDOW = 1024;

export interface RouteAttemptStats {
  provider: string;
  attempts: Record<string, number>;
  /** null until the route has been tried. */
  latency_ms: { p50: number; p95: number; window: number } | null;
}

interface RouteRecord {
  provider: string;
  outcomes: Map<string, number>;
  /** Ring buffer of the latest attempts' durations in ms. */
  recent: number[];
  next: number;
}

export class UpstreamStats {
  private readonly routes = new Map<string, RouteRecord>();

  record(a: UpstreamAttempt): void {
    let r = this.routes.get(a.route);
    if (!r) this.routes.set(a.route, (r = { provider: a.provider, outcomes: new Map(), recent: [], next: 0 }));
    r.outcomes.set(a.outcome, (r.outcomes.get(a.outcome) ?? 0) + 1);
    const ms = a.seconds * 1000;
    if (r.recent.length < WINDOW) r.recent.push(ms);
    else r.recent[r.next] = ms;
    r.next = (r.next + 1) % WINDOW;
  }

  /** The route's figures; a route never tried has no attempts and no latency. */
  route(routeId: string, provider: string): RouteAttemptStats {
    const r = this.routes.get(routeId);
    if (!r) return { provider, attempts: {}, latency_ms: null };
    const sorted = [...r.recent].sort((x, y) => x - y);
    return {
      provider: r.provider,
      attempts: Object.fromEntries(r.outcomes),
      latency_ms: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), window: sorted.length },
    };
  }
}

/** Nearest-rank percentile of ascending values, rounded to 0.1 ms. */
function percentile(sorted: number[], p: number): number {
  const v = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return Math.round(v * 10) / 10;
}
