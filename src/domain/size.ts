/**
 * Image geometry shared by the contract check and every adapter's translation table: parsing the public
 * `size` string, reducing to an aspect ratio, and checking free-form sizes against a model's rule.
 */
import type { SizeRule } from './model-spec.js';

export interface Dimensions {
  width: number;
  height: number;
}

/** The public size grammar: `auto` or WIDTHxHEIGHT with digits and a lowercase x, at most 16 chars. */
export const SIZE_PATTERN = /^(auto|[1-9][0-9]{0,6}x[1-9][0-9]{0,6})$/;

/**
 * A resolution tier spelled as a size ("1K", "2K", "4K"), as Seedream and DashScope document `size`. It is
 * not a dimension: the contract check turns it into the model's `resolution` where the model lists tiers.
 */
export const SIZE_TIER_PATTERN = /^[1-9]K$/;

export const isSizeTier = (size: string): boolean => SIZE_TIER_PATTERN.test(size);

export function parseSize(size: string): Dimensions | 'auto' | undefined {
  if (size.length > 16 || !SIZE_PATTERN.test(size)) return undefined;
  if (size === 'auto') return 'auto';
  const [w, h] = size.split('x');
  return { width: Number(w), height: Number(h) };
}

export const formatSize = (d: Dimensions) => `${d.width}x${d.height}`;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** 1536x1024 → "3:2". */
export function aspectRatioOf(d: Dimensions): string {
  const g = gcd(d.width, d.height);
  return `${d.width / g}:${d.height / g}`;
}

export function parseAspectRatio(ratio: string): { w: number; h: number } | undefined {
  const m = /^([1-9][0-9]{0,2}):([1-9][0-9]{0,2})$/.exec(ratio);
  return m ? { w: Number(m[1]), h: Number(m[2]) } : undefined;
}

/** Why a free-form size breaks the rule, or undefined if it fits. */
export function sizeRuleViolation(d: Dimensions, rule: SizeRule): string | undefined {
  const { width, height } = d;
  if (width % rule.multiple_of || height % rule.multiple_of) return `both sides must be multiples of ${rule.multiple_of}`;
  if (width < rule.min_width || height < rule.min_height) return `the smallest size is ${rule.min_width}x${rule.min_height}`;
  if (width > rule.max_width || height > rule.max_height) return `the largest size is ${rule.max_width}x${rule.max_height}`;
  const pixels = width * height;
  if (rule.min_pixels && pixels < rule.min_pixels) return `at least ${rule.min_pixels} pixels in total are required`;
  if (rule.max_pixels && pixels > rule.max_pixels) return `at most ${rule.max_pixels} pixels in total are allowed`;
  if (rule.max_ratio && Math.max(width, height) / Math.min(width, height) > rule.max_ratio) {
    return `the long side may be at most ${rule.max_ratio} times the short side`;
  }
  return undefined;
}

/** Human description of a size rule for error messages and the public contract. */
export function describeSizeRule(rule: SizeRule): string {
  const parts = [`WIDTHxHEIGHT from ${rule.min_width}x${rule.min_height} to ${rule.max_width}x${rule.max_height}`];
  if (rule.multiple_of > 1) parts.push(`sides divisible by ${rule.multiple_of}`);
  if (rule.min_pixels) parts.push(`at least ${rule.min_pixels} pixels`);
  if (rule.max_pixels) parts.push(`at most ${rule.max_pixels} pixels`);
  if (rule.max_ratio) parts.push(`aspect ratio within 1:${rule.max_ratio} and ${rule.max_ratio}:1`);
  return parts.join(', ');
}
