/**
 * Temporary credentials kept fresh: refreshed inside the margin before expiry, in the background while the
 * current ones still sign, one refresh however many callers ask, and waited for only when the current ones
 * are too close to expiry to use. A clock the test moves by hand.
 */
import { describe, expect, it } from 'vitest';
import { RefreshingCredentials, type RefreshTiming } from '../../../src/store/s3/credentials/refreshing.js';
import type { LoadedCredentials } from '../../../src/store/s3/credentials/types.js';

const MINUTE = 60_000;

/** A loader whose loads the test resolves or rejects one by one, and a clock it sets. */
function harness() {
  let now = 1_000_000_000_000;
  const pending: Array<{ resolve: (c: LoadedCredentials) => void; reject: (e: Error) => void }> = [];
  let loads = 0;
  const timing: RefreshTiming = { marginMs: 5 * MINUTE, minLifeMs: 15_000, retryPauseMs: 10_000, now: () => now };
  const failures: unknown[] = [];
  const keys = (n: number, lifeMs = 60 * MINUTE): LoadedCredentials => ({
    accessKeyId: `ASIA${n}`,
    secretAccessKey: `s${n}`,
    sessionToken: `t${n}`,
    expiresAt: now + lifeMs,
  });
  const refreshing = new RefreshingCredentials(
    () => {
      loads++;
      return new Promise<LoadedCredentials>((resolve, reject) => pending.push({ resolve, reject }));
    },
    { timing, onBackgroundFailure: (e) => failures.push(e), initial: keys(1) },
  );
  return {
    refreshing,
    keys,
    failures,
    loads: () => loads,
    advance: (ms: number) => {
      now += ms;
    },
    settle: async (c: LoadedCredentials | Error) => {
      const p = pending.shift()!;
      if (c instanceof Error) p.reject(c);
      else p.resolve(c);
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('refreshing temporary S3 credentials', () => {
  it('uses the credentials it has until the refresh margin, loading nothing', async () => {
    const h = harness();
    h.advance(54 * MINUTE);
    expect((await h.refreshing.get()).accessKeyId).toBe('ASIA1');
    expect(h.loads()).toBe(0);
  });

  it('inside the margin starts one refresh in the background and keeps signing with the current credentials until the new arrive', async () => {
    const h = harness();
    h.advance(56 * MINUTE);
    const during = await Promise.all(Array.from({ length: 20 }, () => h.refreshing.get()));
    expect(during.every((c) => c.accessKeyId === 'ASIA1')).toBe(true);
    expect(h.loads()).toBe(1);
    await h.settle(h.keys(2));
    expect((await h.refreshing.get()).accessKeyId).toBe('ASIA2');
    expect(h.loads()).toBe(1);
  });

  it('makes callers wait for the refresh once the credentials are too close to expiry, and runs one refresh for all of them', async () => {
    const h = harness();
    h.advance(60 * MINUTE - 10_000);
    const waiting = Array.from({ length: 10 }, () => h.refreshing.get());
    expect(h.loads()).toBe(1);
    await h.settle(h.keys(2));
    expect((await Promise.all(waiting)).map((c) => c.accessKeyId)).toEqual(Array(10).fill('ASIA2'));
  });

  it('keeps the current credentials when a background refresh fails, reports it, and tries again only after the pause', async () => {
    const h = harness();
    h.advance(56 * MINUTE);
    await h.refreshing.get();
    await h.settle(new Error('STS is down'));
    expect(h.failures).toHaveLength(1);
    expect((await h.refreshing.get()).accessKeyId).toBe('ASIA1');
    expect(h.loads()).toBe(1);
    h.advance(10_000);
    await h.refreshing.get();
    expect(h.loads()).toBe(2);
    await h.settle(h.keys(3));
    expect((await h.refreshing.get()).accessKeyId).toBe('ASIA3');
  });

  it('fails the callers who waited when the credentials have lapsed and the refresh fails', async () => {
    const h = harness();
    h.advance(61 * MINUTE);
    const waiting = expect(h.refreshing.get()).rejects.toThrow('STS is down');
    await h.settle(new Error('STS is down'));
    await waiting;
  });

  it('answers waiting callers with the last failure until the pause is over, instead of asking the source per request', async () => {
    const h = harness();
    h.advance(61 * MINUTE);
    const first = expect(h.refreshing.get()).rejects.toThrow('STS is down');
    await h.settle(new Error('STS is down'));
    await first;
    for (let i = 0; i < 5; i++) await expect(h.refreshing.get()).rejects.toThrow('STS is down');
    expect(h.loads()).toBe(1);
    h.advance(10_000);
    const again = h.refreshing.get();
    expect(h.loads()).toBe(2);
    await h.settle(h.keys(2));
    expect((await again).accessKeyId).toBe('ASIA2');
  });

  it('refuses new credentials that expire too soon to be used, keeping the current ones', async () => {
    const h = harness();
    h.advance(56 * MINUTE);
    await h.refreshing.get();
    await h.settle(h.keys(2, 5_000));
    expect(h.failures).toEqual([expect.objectContaining({ name: 'CredentialError', message: expect.stringMatching(/too soon to use/) })]);
    expect((await h.refreshing.get()).accessKeyId).toBe('ASIA1');
  });

  it('never refreshes long-term keys', async () => {
    let loads = 0;
    const r = new RefreshingCredentials(
      async () => {
        loads++;
        return { accessKeyId: 'AKIA', secretAccessKey: 's' };
      },
      { initial: { accessKeyId: 'AKIA', secretAccessKey: 's' } },
    );
    for (let i = 0; i < 5; i++) await r.get();
    expect(loads).toBe(0);
  });
});
