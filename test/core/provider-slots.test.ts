import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/domain/errors.js';
import { ProviderSlots } from '../../src/pipeline/provider-slots.js';

const far = () => ({ signal: new AbortController().signal, deadline: Date.now() + 10_000 });

/** A call that holds its slot until `finish()` is called. */
function held(slots: ProviderSlots, provider: string, log: string[], name: string, wait = far()) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const run = slots.run(provider, wait, async () => {
    log.push(`start ${name}`);
    await done;
    log.push(`end ${name}`);
    return name;
  });
  return { run, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ProviderSlots', () => {
  it('runs at most `capacity` calls per provider and hands freed slots to waiters oldest first', async () => {
    const slots = new ProviderSlots((p) => (p === 'a' ? 2 : 1));
    const log: string[] = [];
    const calls = ['1', '2', '3', '4'].map((n) => held(slots, 'a', log, n));
    const other = held(slots, 'b', log, 'b1');
    await tick();
    expect(log).toEqual(['start 1', 'start 2', 'start b1']);
    expect(slots.usage('a')).toEqual({ inUse: 2, waiting: 2, capacity: 2 });
    calls[1]!.finish();
    await calls[1]!.run;
    await tick();
    expect(log.slice(3)).toEqual(['end 2', 'start 3']);
    // A newcomer does not overtake the waiter already queued.
    const late = held(slots, 'a', log, '5');
    calls[0]!.finish();
    await calls[0]!.run;
    await tick();
    expect(log.slice(5)).toEqual(['end 1', 'start 4']);
    for (const c of [calls[2]!, calls[3]!, late, other]) c.finish();
    expect(await Promise.all([calls[2]!.run, calls[3]!.run, late.run, other.run])).toEqual(['3', '4', '5', 'b1']);
    expect(slots.usage('a')).toEqual({ inUse: 0, waiting: 0, capacity: 2 });
  });

  it('gives up at the deadline with a retryable upstream timeout, and the slot is not lost', async () => {
    const slots = new ProviderSlots(() => 1);
    const log: string[] = [];
    const first = held(slots, 'a', log, '1');
    const started = Date.now();
    const err = await slots.run('a', { signal: new AbortController().signal, deadline: Date.now() + 150 }, async () => 'never').catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(isGatewayError(err) && [err.code, err.status, err.retryable, err.details?.reason]).toEqual(['upstream_error', 502, true, 'timeout']);
    expect(slots.usage('a').waiting).toBe(0);
    first.finish();
    await first.run;
    expect(await slots.run('a', far(), async () => 'next')).toBe('next');
    expect(slots.usage('a').inUse).toBe(0);
  });

  it('drops a waiter whose request is aborted, without running it', async () => {
    const slots = new ProviderSlots(() => 1);
    const log: string[] = [];
    const first = held(slots, 'a', log, '1');
    const ac = new AbortController();
    const waiting = slots.run('a', { signal: ac.signal, deadline: Date.now() + 10_000 }, async () => log.push('aborted one ran'));
    const after = held(slots, 'a', log, '3');
    await tick();
    ac.abort(new Error('client went away'));
    const err = await waiting.catch((e: unknown) => e);
    expect(isGatewayError(err) && [err.code, err.retryable]).toEqual(['upstream_error', false]);
    first.finish();
    await first.run;
    await tick();
    expect(log).toEqual(['start 1', 'end 1', 'start 3']);
    after.finish();
    await after.run;
  });
});
