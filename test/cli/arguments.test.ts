/** Command-line values: each bad one is refused with what to type instead, before any call to the gateway. */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { date, money, since } from '../../src/cli/arguments.js';

describe('--since', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('takes a duration back from now, a date, or unix seconds, as unix seconds', () => {
    expect(since('15m', now)).toBe(String(now / 1000 - 900));
    expect(since('2h', now)).toBe(String(now / 1000 - 7200));
    expect(since('7d', now)).toBe(String(now / 1000 - 7 * 86_400));
    expect(since('2026-12-01', now)).toBe(String(Date.parse('2026-12-01') / 1000));
    expect(since('1796600000', now)).toBe('1796600000');
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => since('2 hours', now)).toThrow(InvalidArgumentError);
    expect(() => since('2 hours', now)).toThrow('a duration back from now (15m, 2h, 7d)');
  });
});

describe('dates and amounts', () => {
  it('sends dates as unix seconds and refuses what is not one', () => {
    expect(date('2026-12-01T10:00:00Z')).toBe(String(Date.parse('2026-12-01T10:00:00Z') / 1000));
    expect(() => date('yesterday')).toThrow('must be an ISO date');
  });

  it('reads amounts in currency units into exact micro-units', () => {
    expect(money('10.5')).toBe(10_500_000);
    expect(() => money('10,5')).toThrow('must be an amount like 10 or 12.345678');
  });
});
