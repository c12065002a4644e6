import { describe, expect, it } from 'vitest';
import { DecodeSlots } from '../../src/media/decode-slots.js';

describe('decode slots', () => {
  it('runs at most its capacity of decodes at once and every queued one in turn', async () => {
    const slots = new DecodeSlots(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const work = (i: number) =>
      slots.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        order.push(i);
        return i;
      });
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(work));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
    expect(slots.inUse).toBe(0);
  });

  it('frees its slot when the decode fails', async () => {
    const slots = new DecodeSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('bad image')))).rejects.toThrow('bad image');
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.inUse).toBe(0);
  });
});
