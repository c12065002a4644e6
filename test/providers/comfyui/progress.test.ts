import { describe, expect, it } from 'vitest';
import { ProgressTally } from '../../../src/providers/comfyui/progress.js';

describe('ComfyUI progress of several sampling nodes', () => {
  it('weighs each sampling node by its steps, counting nodes not yet run at their declared steps', () => {
    const t = new ProgressTally(
      new Map([
        ['3', 20],
        ['12', 10],
      ]),
    );
    expect(t.step('3', 10, 20)).toBe(33); // 10 of 30 steps
    expect(t.step('3', 20, 20)).toBe(66);
    expect(t.step('12', 5, 10)).toBe(83);
  });

  it('leaves out a node ComfyUI took from its cache', () => {
    const t = new ProgressTally(
      new Map([
        ['3', 20],
        ['12', 10],
      ]),
    );
    t.cached(['3']);
    expect(t.step('12', 5, 10)).toBe(50);
  });

  it('never goes back (a node nobody declared) and stays below 100 until the history says done', () => {
    const t = new ProgressTally(new Map([['3', 4]]));
    expect(t.step('3', 4, 4)).toBe(99);
    expect(t.step('upscaler', 1, 8)).toBeUndefined();
    expect(t.current).toBe(99);
  });
});
