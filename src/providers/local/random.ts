/**
 * Deterministic randomness for the renderer: every choice in a picture comes from a stream seeded by
 * (seed, text), so the same request always draws the same picture and any change to either redraws it.
 */
import { createHash } from 'node:crypto';

/** 31-bit hash of a text (a valid `seed` value, so it can stand in for one). */
export function hashText(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) & 0x7fffffff;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Integer in [0, count). */
  index(count: number): number;
  pick<T>(items: readonly T[]): T;
}

/** A mulberry32 stream: tiny, fast and the same on every platform (Math.random is neither seeded nor stable). */
export function randomFor(seed: number, text: string): Random {
  let state = hashText(`${seed}\u0000${text}`);
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const index = (count: number) => Math.floor(next() * count);
  return {
    next,
    between: (min, max) => min + next() * (max - min),
    index,
    pick: (items) => items[index(items.length)]!,
  };
}
