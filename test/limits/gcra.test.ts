import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import { admit, type Bucket, checkConsumeArgs, usedAt } from '../../src/limits/gcra.js';

/** Consume `calls` single units at the fixed instant `now`, as the limiters do; how many were admitted. */
function admittedAtOneInstant(now: number, limit: number, windowMs: number, calls: number): number {
  let bucket: Bucket | undefined;
  let admitted = 0;
  for (let i = 0; i < calls; i++) {
    const r = admit(usedAt(bucket, now, limit, windowMs), limit, windowMs, 1);
    if (r.decision.allowed) {
      admitted++;
      bucket = { at: now, used: r.used, limit };
    }
  }
  return admitted;
}

describe('gcra', () => {
  it('admits exactly limit at one epoch-scale instant for every limit 1..300 and window 300 ms, 1 s, 1 min', () => {
    // Timestamps near today's epoch ms are where an absolute theoretical-arrival-time drifts.
    const now = 1_763_700_000_123;
    const wrong: string[] = [];
    for (const windowMs of [300, 1000, 60_000]) {
      for (let limit = 1; limit <= 300; limit++) {
        const admitted = admittedAtOneInstant(now, limit, windowMs, limit + 5);
        if (admitted !== limit) wrong.push(`${limit}/${windowMs}ms admitted ${admitted}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('drains continuously at limit per window: one of 3 per 600 ms returns after 200 ms, not 199', () => {
    const full: Bucket = { at: 1_000, used: 3, limit: 3 };
    expect(admit(usedAt(full, 1_199, 3, 600), 3, 600, 1).decision).toMatchObject({ allowed: false, retryAfterMs: 1 });
    expect(admit(usedAt(full, 1_200, 3, 600), 3, 600, 1).decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(usedAt(full, 1_600, 3, 600)).toBe(0);
  });

  it('adds no usage when the clock steps backwards', () => {
    expect(usedAt({ at: 5_000, used: 2, limit: 4 }, 4_000, 4, 1_000)).toBe(2);
  });

  it('rejects a cost above the limit as invalid_request and a non-positive limit as internal_error', () => {
    expect(() => checkConsumeArgs(4, 60_000, 5)).toThrow(expect.objectContaining({ code: 'invalid_request', status: 400 }));
    expect(() => checkConsumeArgs(0, 60_000, 1)).toThrow(GatewayError);
    expect(() => checkConsumeArgs(0, 60_000, 1)).toThrow(expect.objectContaining({ code: 'internal_error' }));
    expect(() => checkConsumeArgs(5, Number.NaN, 1)).toThrow(expect.objectContaining({ code: 'internal_error' }));
    expect(() => checkConsumeArgs(5, 60_000, -1)).toThrow(expect.objectContaining({ code: 'internal_error' }));
  });
});
