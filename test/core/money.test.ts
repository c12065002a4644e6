/** Money as people read and type it: micro-units to currency units and back, exactly, in the console and the CLI. */
import { describe, expect, it } from 'vitest';
import { decimalAmount, formatAmount, formatMoney, parseAmount } from '../../src/domain/money.js';

describe('money text', () => {
  it('shows cents always and sub-cent digits when there are some, without float rounding', () => {
    expect(formatMoney(12_500_000, 'USD')).toBe('12.50 USD');
    expect(formatMoney(16_000, 'USD')).toBe('0.016 USD');
    expect(formatMoney(-5, 'USD')).toBe('-0.000005 USD');
    // 2^53 - 1 micro-units: a float division would round the last digits.
    expect(formatAmount(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254.740991');
    expect(decimalAmount(Number.MAX_SAFE_INTEGER)).toBe('9007199254.740991');
  });

  it('uses the language given for separators and leaves an empty currency out', () => {
    expect(formatMoney(1_234_500_000, '', 'de')).toBe('1.234,50');
  });

  it('reads what a person types into exact micro-units and refuses what it cannot hold', () => {
    expect(parseAmount(' 12.5 ')).toBe(12_500_000);
    expect(parseAmount('0.000001')).toBe(1);
    expect(parseAmount('1.0000001')).toBeNull();
    expect(parseAmount('-1')).toBeNull();
    expect(parseAmount('1e3')).toBeNull();
    expect(parseAmount('99999999999')).toBeNull();
  });
});
