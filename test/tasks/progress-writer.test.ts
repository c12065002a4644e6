import { describe, expect, it } from 'vitest';
import { ProgressWriter } from '../../src/tasks/progress-writer.js';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('task progress writer', () => {
  it('writes at most once per interval and always lands the latest value', async () => {
    const writes: number[] = [];
    const w = new ProgressWriter(
      async (p) => void writes.push(p),
      () => undefined,
      50,
    );
    for (const p of [1, 2, 3, 4]) w.report(p);
    await settle(10);
    expect(writes).toEqual([4]);
    w.report(5);
    w.report(6);
    await settle(20);
    expect(writes).toEqual([4]);
    await settle(60);
    expect(writes).toEqual([4, 6]);
  });

  it('writes nothing after stop', async () => {
    const writes: number[] = [];
    const w = new ProgressWriter(
      async (p) => void writes.push(p),
      () => undefined,
      50,
    );
    w.report(10);
    w.stop();
    await settle(70);
    expect(writes).toEqual([]);
  });

  it('hands a failed write to the error callback instead of throwing', async () => {
    const errors: unknown[] = [];
    const w = new ProgressWriter(
      () => Promise.reject(new Error('db down')),
      (e) => void errors.push(e),
      10,
    );
    w.report(3);
    await settle(20);
    expect(errors).toHaveLength(1);
  });
});
