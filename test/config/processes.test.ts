/** IMAGEGATE_PROCESSES and `serve --processes`: one rule for both, refused before anything starts. */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, processCount } from '../../src/config/config.js';

describe('the count of gateway processes', () => {
  it('runs one process unless told otherwise', () => {
    expect(loadConfig({}).processes).toBe(1);
  });

  it('takes a positive integer, or auto for one per CPU core', () => {
    expect(loadConfig({ IMAGEGATE_PROCESSES: '3' }).processes).toBe(3);
    expect(loadConfig({ IMAGEGATE_PROCESSES: 'auto' }).processes).toBe(availableParallelism());
    expect(processCount('auto')).toBe(availableParallelism());
  });

  it('refuses zero, fractions and words, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '']) {
      expect(processCount(bad)).toBeNull();
      expect(() => loadConfig({ IMAGEGATE_PROCESSES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ IMAGEGATE_PROCESSES: bad })).toThrow(/IMAGEGATE_PROCESSES: must be a positive integer or "auto"/);
    }
  });
});
