/** Wording shared by the rule and mask messages. */

const KB = 1024;
const MB = 1024 * 1024;

const trimmed = (n: number) => n.toFixed(1).replace(/\.0$/, '');
const inUnits = (n: number) => (n >= MB ? `${trimmed(n / MB)} MB` : n >= KB ? `${trimmed(n / KB)} KB` : `${n} bytes`);

/** "5.2 MB" against "4 MB"; exact byte counts when rounding would make the two look equal. */
export function describeSizeOverLimit(actual: number, limit: number): { actual: string; limit: string } {
  const a = inUnits(actual);
  const l = inUnits(limit);
  return a === l ? { actual: `${actual} bytes`, limit: `${limit} bytes` } : { actual: a, limit: l };
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const dimensions = (img: { width: number; height: number }) => `${img.width}x${img.height}`;
