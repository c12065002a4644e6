/**
 * Catalog tables keyed by quality, size or tier, or "quality/size" (per_image_by prices, output token
 * counts): the most specific key that matches wins, and an open dimension (quality or size `auto`) ranges
 * over the values the table lists.
 */

const isSizeKey = (k: string) => /^\d+x\d+$/.test(k) || /^\dK$/i.test(k);

/** A dimension the request names; `auto` (or nothing) leaves it open. */
export function known(v: string | undefined): string | undefined {
  return v && v !== 'auto' ? v : undefined;
}

/** The entry for this quality and size, most specific first; undefined when no key matches. */
export function lookup(by: Record<string, number>, q: string | undefined, s: string | undefined): number | undefined {
  return (q && s ? by[`${q}/${s}`] : undefined) ?? (q ? by[q] : undefined) ?? (s ? by[s] : undefined);
}

/** A table's quality and size values, each once (what an open dimension ranges over), and its largest entry. */
export interface TableValues {
  qualities: Array<string | undefined>;
  sizes: Array<string | undefined>;
  largest: number;
}

/** Per table, worked out once: every request is priced (twice), and the catalog's tables never change. */
const valuesOfTable = new WeakMap<Record<string, number>, TableValues>();

export function tableValues(by: Record<string, number>): TableValues {
  let v = valuesOfTable.get(by);
  if (!v) {
    const parts = Object.keys(by).flatMap((k) => k.split('/'));
    const openValues = (values: string[]): Array<string | undefined> => (values.length ? [...new Set(values)] : [undefined]);
    v = {
      qualities: openValues(parts.filter((p) => !isSizeKey(p))),
      sizes: openValues(parts.filter(isSizeKey)),
      largest: Math.max(0, ...Object.values(by)),
    };
    valuesOfTable.set(by, v);
  }
  return v;
}

/** Whether the table prices this tier or size anywhere (as a key or a key's part). */
export function tableNames(by: Record<string, number>, value: string): boolean {
  return Object.keys(by).some((k) => k.split('/').includes(value));
}
