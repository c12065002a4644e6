/**
 * The quote the playground shows before a run: the contract's price for the chosen quality and size, times n,
 * worked out the way the gateway's pricing does (src/billing/pricing.ts): the most specific `per_image_by` key
 * wins, a dimension left open takes its dearest listed price, megapixels are started ones. A token price is
 * held at the most tokens of each class (src/billing/token-bounds.ts) and settled from the upstream's usage,
 * so it is marked as "up to".
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

type TokenCounts = NonNullable<Price['tokens']>;

/** Output image tokens of one image, as src/billing/token-bounds.ts works them out: table, then area rule, then the dearest. */
function outputTokens(price: Price, quality: string | undefined, size: string | undefined): number {
  const table: Record<string, number> = price.tokens?.output_image ?? {};
  const area = price.tokens?.output_image_by_area;
  const keys = Object.keys(table);
  const parts = keys.flatMap((k) => k.split('/'));
  const tableQualities = [...new Set(parts.filter((p) => !isSizeKey(p)))];
  const tableSizes = [...new Set(parts.filter(isSizeKey))];
  const largest = keys.length ? Math.max(...Object.values(table)) : (price.quote_output_tokens_per_image ?? 0);
  const qualities = quality ? [quality] : tableQualities.length ? tableQualities : area ? Object.keys(area.quality_factors) : [undefined];
  const sizes = size ? [size] : tableSizes.length ? tableSizes : [undefined];
  let most = 0;
  for (const q of qualities) {
    for (const s of sizes) {
      let tokens = (q && s ? table[`${q}/${s}`] : undefined) ?? (q ? table[q] : undefined) ?? (s ? table[s] : undefined);
      const m = s ? /^(\d+)x(\d+)$/.exec(s) : null;
      const f = q && area ? area.quality_factors[q] : undefined;
      if (tokens === undefined && area && m && f !== undefined) {
        const [w, h] = [Number(m[1]), Number(m[2])];
        const long = Math.max(w, h);
        const short = Math.floor((2 * f * Math.min(w, h) + long) / (2 * long));
        tokens = Math.ceil((f * short * (area.offset_pixels + w * h)) / area.divisor);
      }
      most = Math.max(most, tokens ?? largest);
    }
  }
  return most;
}

/**
 * Input image tokens of one reference. The playground does not read a reference's dimensions, so each counts
 * as a square of one tile (plus high fidelity where it applies); the gateway holds for its real tiles.
 */
function inputImageTokens(counts: TokenCounts | undefined, fidelity: string | undefined): number {
  const rule = counts?.input_image;
  if (!rule) return 1300;
  const hf = rule.high_fidelity;
  return (
    (rule.per_image ?? 0) + (rule.tiles ? rule.tiles.base + rule.tiles.per_tile : 0) + (hf && (hf.applies === 'always' || fidelity === 'high') ? hf.square : 0)
  );
}

export function quoteOf(
  price: Price,
  params: { n: number; prompt: string; quality?: string; size?: string; resolution?: string; images: number; inputFidelity?: string },
): Quote {
  const t = price.per_million_tokens;
  const sizeKey = known(params.size) ?? params.resolution;
  if (t) {
    const cost = (perMillion: number, tokens: number) => Math.ceil((perMillion * tokens) / 1_000_000);
    const counts = price.tokens;
    const text =
      price.quote_input_tokens ??
      new TextEncoder().encode(params.prompt).length + (counts?.input_text_overhead ?? 0) + (counts?.input_text_per_image ?? 0) * params.images;
    const out = outputTokens(price, known(params.quality), sizeKey) * params.n;
    const imagesIn = params.images * inputImageTokens(counts, params.inputFidelity);
    return {
      amount: cost(t.input_text, text) + cost(t.input_image, imagesIn) + cost(t.output_image, out) + (price.per_image ?? 0) * params.n,
      estimate: true,
    };
  }
  return { amount: perImage(price, known(params.quality), sizeKey) * params.n, estimate: false };
}
