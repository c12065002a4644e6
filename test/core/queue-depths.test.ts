import { describe, expect, it } from 'vitest';
import type { ProviderAdapter, Route } from '../../src/domain/adapter.js';
import { CircuitBreakers, dispatch } from '../../src/pipeline/dispatch.js';
import { QueueDepths } from '../../src/pipeline/queue-depths.js';
import { callContext, imageJob, upstreamRoute } from '../providers/builders.js';

/** Hosts whose queues a test sets: an adapter that reports them and records where each job went. */
function hosts(queues: Record<string, number | 'down'>) {
  const looks: string[] = [];
  const sentTo: string[] = [];
  const adapter: ProviderAdapter = {
    name: 'queued',
    async generate(_job, route) {
      sentTo.push(route.id);
      return { images: [{ payload: { kind: 'b64', b64: 'AAAA', mime: 'image/png' } }], failedCount: 0 };
    },
    async queueDepth(route) {
      looks.push(route.id);
      const q = queues[route.id];
      if (q === 'down' || q === undefined) throw new Error('host down');
      return q;
    },
  };
  const plain: ProviderAdapter = {
    name: 'plain',
    async generate(_job, route) {
      sentTo.push(route.id);
      return { images: [{ payload: { kind: 'b64', b64: 'AAAA', mime: 'image/png' } }], failedCount: 0 };
    },
  };
  const adapters = new Map([
    ['queued', adapter],
    ['plain', plain],
  ]);
  return { adapters, looks, sentTo };
}

const route = (id: string, over: Partial<Route> = {}): Route => upstreamRoute('queued', 'http://127.0.0.1:1', 'm', { id, ...over });

describe('queue-length balancing', () => {
  it('sends the job to the host with the shortest queue among routes of one priority', async () => {
    const h = hosts({ a: 5, b: 0, c: 2 });
    const depths = new QueueDepths();
    const deps = { adapters: h.adapters, providerSpec: () => undefined, breakers: new CircuitBreakers(), queueDepths: depths };
    await dispatch(imageJob({ model: 'm' }), [route('a'), route('b'), route('c')], callContext(), deps);
    expect(h.sentTo).toEqual(['b']);
  });

  it('looks each host up once per cache period, and counts the jobs it sent meanwhile', async () => {
    let now = 1000;
    const h = hosts({ a: 1, b: 0 });
    const depths = new QueueDepths(2000, () => now);
    const deps = { adapters: h.adapters, providerSpec: () => undefined, breakers: new CircuitBreakers(), queueDepths: depths };
    const routes = [route('a'), route('b')];
    for (let i = 0; i < 3; i++) await dispatch(imageJob({ model: 'm' }), routes, callContext(), deps);
    // b (0) takes the first; then both stand at 1, and whichever takes the second, the third goes to the other.
    expect(h.sentTo.filter((r) => r === 'b').length).toBe(2);
    expect(h.sentTo.filter((r) => r === 'a').length).toBe(1);
    expect(h.looks.sort()).toEqual(['a', 'b']);
    now += 2001;
    await dispatch(imageJob({ model: 'm' }), routes, callContext(), deps);
    expect(h.looks.length).toBe(4);
  });

  it('shares one look between requests that arrive together', async () => {
    const h = hosts({ a: 3, b: 1 });
    const depths = new QueueDepths();
    const routes = [route('a'), route('b')];
    await Promise.all([depths.order(routes, h.adapters), depths.order(routes, h.adapters), depths.order(routes, h.adapters)]);
    expect(h.looks.sort()).toEqual(['a', 'b']);
  });

  it('puts a host that cannot say its queue after those that can', async () => {
    const h = hosts({ a: 'down', b: 7 });
    const ordered = await new QueueDepths().order([route('a'), route('b')], h.adapters);
    expect(ordered.map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('never moves a route across priorities, nor weighs a group with a host that keeps no queue', async () => {
    const h = hosts({ a: 9, b: 0 });
    const depths = new QueueDepths();
    const byPriority = await depths.order([route('a'), route('b', { priority: 1 })], h.adapters);
    expect(byPriority.map((r) => r.id)).toEqual(['a', 'b']);
    const mixed = await depths.order([route('a'), upstreamRoute('plain', 'http://127.0.0.1:1', 'm', { id: 'p' })], h.adapters);
    expect(mixed.map((r) => r.id)).toEqual(['a', 'p']);
  });
});
