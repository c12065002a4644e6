import { describe, expect, it } from 'vitest';
import { BodyLease, pooledBytes } from '../../src/bytes/body-pool.js';

const MB = 1024 * 1024;

describe('BodyLease', () => {
  it('lends a buffer at least as large as asked', () => {
    const lease = new BodyLease();
    expect(lease.take(2 * MB + 17).length).toBeGreaterThanOrEqual(2 * MB + 17);
    expect(lease.take(100).length).toBeGreaterThanOrEqual(100);
  });

  it('never lends a buffer another lease still holds', () => {
    const a = new BodyLease();
    const b = new BodyLease();
    const first = a.take(2 * MB);
    const second = b.take(2 * MB);
    expect(second.buffer).not.toBe(first.buffer);
  });

  it('lends a given-back buffer again, to the next borrower of a similar size', () => {
    const a = new BodyLease();
    const lent = a.take(3 * MB);
    a.giveBack();
    expect(pooledBytes()).toBeGreaterThanOrEqual(lent.length);
    const b = new BodyLease();
    expect(b.take(3 * MB - 1000).buffer).toBe(lent.buffer);
    b.giveBack();
  });

  it('gives back only once: a second giveBack does not put the same buffer in the pool twice', () => {
    const a = new BodyLease();
    a.take(4 * MB);
    const before = pooledBytes();
    a.giveBack();
    const after = pooledBytes();
    a.giveBack();
    expect(pooledBytes()).toBe(after);
    expect(after).toBeGreaterThan(before);
    // Two borrowers now get two different buffers.
    const x = new BodyLease().take(4 * MB);
    const y = new BodyLease().take(4 * MB);
    expect(x.buffer).not.toBe(y.buffer);
  });

  it('does not pool small bodies', () => {
    const a = new BodyLease();
    a.take(1000);
    const before = pooledBytes();
    a.giveBack();
    expect(pooledBytes()).toBe(before);
  });
});
