/**
 * The quote the playground shows before a run: the contract's price for the chosen quality and size, times n,
 * worked out the way the gateway's pricing does (src/billing/pricing.ts): the most specific `per_image_by` key
 * wins, a dimension left open takes its dearest listed price, megapixels are started ones. Token prices are
 * an estimate the gateway settles from the upstream's usage, so they are marked as "up to".
 */
import type { Price } from './contract.js';

export interface Quote {
  amount: number;
  /** True when the price depends on tokens the upstream reports: the quote is what is held, the charge may be less. */
  estimate: boolean;
}

const isSizeKey = (k: string) => /^\d+x\d+$/.test(k) || /^\dK$/i.test(k);
const known = (v: string | undefined) => (v && v !== 'auto' ? v : undefined);

function perImage(price: Price, quality: string | undefined, size: string | undefined): number {
  const by: Record<string, number> = price.per_image_by ?? {};
  const base = price.per_image ?? 0;
  const parts = Object.keys(by).flatMap((k) => k.split('/'));
  const open = (vals: string[]) => (vals.length ? [...new Set(vals)] : [undefined]);
  const qualities = quality ? [quality] : open(parts.filter((p) => !isSizeKey(p)));
  const sizes = size ? [size] : open(parts.filter(isSizeKey));
  let most = 0;
  for (const q of qualities) {
    for (const s of sizes) {
      const p = (q && s ? by[`${q}/${s}`] : undefined) ?? (q ? by[q] : undefined) ?? (s ? by[s] : undefined) ?? base;
      most = Math.max(most, p);
    }
  }
  const m = size ? /^(\d+)x(\d+)$/.exec(size) : null;
  if (price.per_megapixel && m) most += Math.ceil((Number(m[1]) * Number(m[2])) / 1_000_000) * price.per_megapixel;
  return most;
}

export function quoteOf(price: Price, params: { n: number; prompt: string; quality?: string; size?: string; resolution?: string; images: number }): Quote {
  const t = price.per_million_tokens;
  if (t) {
    const cost = (perMillion: number, tokens: number) => Math.ceil((perMillion * tokens) / 1_000_000);
    const out = (price.quote_output_tokens_per_image ?? 0) * params.n;
    const input = price.quote_input_tokens ?? Math.ceil(params.prompt.length / 2) + params.images * 1300;
    return { amount: cost(t.output_image, out) + cost(t.input_text, input) + (price.per_image ?? 0) * params.n, estimate: true };
  }
  return { amount: perImage(price, known(params.quality), known(params.size) ?? params.resolution) * params.n, estimate: false };
}
