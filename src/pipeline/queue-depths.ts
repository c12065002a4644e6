/**
 * Balancing hosts that queue work (several ComfyUI hosts behind one model) by their queue length: among routes
 * of one priority whose adapters can say how busy their host is (ProviderAdapter.queueDepth), the shortest
 * queue goes first; a host that cannot say goes after those that could. Each route's length is looked up at
 * most once per `ttlMs` (concurrent requests share one look), and every job sent to a route counts on its
 * known length at once, so a burst within one look spreads over the hosts instead of piling onto one.
 */
import type { ProviderAdapter, Route } from '../domain/adapter.js';

/** The longest a look may take, whatever the adapter allows itself. */
const LOOK_LIMIT_MS = 5000;

interface Known {
  depth: number;
  until: number;
}

export class QueueDepths {
  private readonly known = new Map<string, Known>();
  private readonly looking = new Map<string, Promise<number>>();

  constructor(
    private readonly ttlMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `routes` in dispatch order (priority ascending); each run of one priority whose routes all report a depth is sorted by it. */
  async order(routes: readonly Route[], adapters: ReadonlyMap<string, ProviderAdapter>): Promise<Route[]> {
    const out: Route[] = [];
    for (let i = 0; i < routes.length; ) {
      let j = i;
      while (j < routes.length && routes[j]!.priority === routes[i]!.priority) j++;
      const group = routes.slice(i, j);
      const measurable = group.length > 1 && group.every((r) => adapters.get(r.provider)?.queueDepth);
      if (!measurable) out.push(...group);
      else {
        const depths = await Promise.all(group.map((r) => this.depthOf(r, adapters.get(r.provider)!)));
        // A stable sort: equal queues keep the weighted order they came in.
        out.push(
          ...group
            .map((r, k) => ({ r, d: depths[k]! }))
            .sort((a, b) => a.d - b.d)
            .map((x) => x.r),
        );
      }
      i = j;
    }
    return out;
  }

  /** A job went to the route: its host's queue is one longer until the next look says otherwise. */
  sent(route: Route): void {
    const k = this.known.get(route.id);
    if (k && Number.isFinite(k.depth)) k.depth++;
  }

  private depthOf(route: Route, adapter: ProviderAdapter): Promise<number> {
    const k = this.known.get(route.id);
    if (k && k.until > this.now()) return Promise.resolve(k.depth);
    let look = this.looking.get(route.id);
    if (!look) {
      // Not the request's signal: the look is shared, and one client leaving must not spoil it for the rest.
      const signal = AbortSignal.timeout(LOOK_LIMIT_MS);
      look = adapter.queueDepth!(route, signal)
        .catch(() => Number.POSITIVE_INFINITY)
        .then((depth) => {
          this.known.set(route.id, { depth, until: this.now() + this.ttlMs });
          this.looking.delete(route.id);
          return depth;
        });
      this.looking.set(route.id, look);
    }
    return look;
  }
}
