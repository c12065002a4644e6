/** Parsers for command-line values: each refuses a bad value before any call to the gateway. */
import { InvalidArgumentError } from 'commander';
import { parseAmount } from '../domain/money.js';

export function int(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(v);
}

/** Money on the command line: "12.5" in currency units → micro-units, exactly (no floats). */
export function money(v: string): number {
  const micro = parseAmount(v);
  if (micro === null) throw new InvalidArgumentError('must be an amount like 10 or 12.345678');
  return micro;
}

/** "a, b,c" → ["a", "b", "c"]. */
export function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A date the admin API's `from`/`to` take: an ISO date or time, or unix seconds; sent as unix seconds. */
export function date(v: string): string {
  if (/^\d+$/.test(v)) return v;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new InvalidArgumentError('must be an ISO date (2026-11-21), a date and time, or unix seconds');
  return String(Math.floor(t / 1000));
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(words: readonly T[]): (v: string) => T {
  return (v) => {
    const w = words.find((x) => x === v);
    if (w === undefined) throw new InvalidArgumentError(`must be one of ${words.join(', ')}`);
    return w;
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A moment as `--since` takes it: a duration back from now (`90s`, `15m`, `2h`, `7d`) or a date; unix seconds. */
export function since(v: string, now = Date.now()): string {
  const m = /^(\d+)([smhd])$/.exec(v);
  if (m) return String(Math.floor(now / 1000) - Number(m[1]) * UNIT_SECONDS[m[2]!]!);
  if (/^\d+$/.test(v) || Number.isFinite(Date.parse(v))) return date(v);
  throw new InvalidArgumentError('must be a duration back from now (15m, 2h, 7d), an ISO date or time, or unix seconds');
}

/** A count of rows to show, at least one. */
export function count(v: string): number {
  const n = int(v);
  if (n === 0) throw new InvalidArgumentError('must be at least 1');
  return n;
}
