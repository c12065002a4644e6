/**
 * Prices from catalog data. A quote is the most a request can cost (what is held); a charge is what the
 * delivered result costs (what is settled), never more than the quote. Integer micro-units throughout.
 *
 * `per_image_by` keys are a quality tier (`high`), a size or resolution tier (`1024x1024`, `2K`), or both
 * (`high/1024x1024`); the most specific key that matches wins. A dimension the request leaves open (quality
 * `auto`, size `auto`) is quoted at the dearest compatible price and charged at what the upstream reports.
 *
 * A model priced by tokens (`per_million_tokens`) is quoted at the most tokens of each class the job can take
 * (token-bounds.ts) and charged on the usage the upstream reports; without a report, at the quoted share of
 * the images delivered.
 */
import type { Price } from '../domain/model-spec.js';
import type { ImageJob, ImageResult } from '../domain/job.js';
import { parseSize } from '../domain/size.js';
import { known, lookup, type TableValues, tableNames, tableValues } from './price-table.js';
import { tokenBounds } from './token-bounds.js';

interface Dims {
  quality?: string;
  size?: string;
}

const NO_TABLE: Record<string, number> = {};

/** Price of one image with these dimensions; an open dimension takes its dearest value listed in the table. */
export function imagePrice(price: Price, dims: Dims): number {
  const base = price.per_image ?? 0;
  const by = price.per_image_by ?? NO_TABLE;
  const q = known(dims.quality);
  const s = known(dims.size);
  let table: TableValues | undefined;
  const qualities = q ? [q] : (table ??= tableValues(by)).qualities;
  const sizes = s ? [s] : (table ??= tableValues(by)).sizes;
  let perImage = 0;
  for (const qq of qualities) for (const ss of sizes) perImage = Math.max(perImage, lookup(by, qq, ss) ?? base);
  if (price.per_megapixel) {
    const d = s ? parseSize(s) : undefined;
    // Without known dimensions a megapixel price cannot be computed: the per_image figure is the cap.
    if (d && d !== 'auto') perImage += Math.ceil((d.width * d.height) / 1_000_000) * price.per_megapixel;
  }
  return perImage;
}

function sizeKeyOf(job: ImageJob): string | undefined {
  return known(job.params.size) ?? job.params.resolution;
}

function tokenCost(perMillion: number, tokens: number): number {
  return Math.ceil((perMillion * tokens) / 1_000_000);
}

/** The most this job can cost: held before the upstream is called. */
export function quote(price: Price, job: ImageJob): number {
  const t = price.per_million_tokens;
  if (t) {
    const b = tokenBounds(price, job, sizeKeyOf(job));
    return (
      tokenCost(t.input_text, b.inputText) + tokenCost(t.input_image, b.inputImage) + tokenCost(t.output_image, b.outputImage) + (price.per_image ?? 0) * job.n
    );
  }
  return imagePrice(price, { quality: job.params.quality, size: sizeKeyOf(job) }) * job.n;
}

/** What the delivered result costs, capped at the quote. */
export function charge(price: Price, job: ImageJob, result: ImageResult, quoted: number): number {
  const delivered = result.images.length;
  if (delivered === 0) return 0;
  let amount: number;
  if (price.per_million_tokens && result.usage) {
    const t = price.per_million_tokens;
    const u = result.usage;
    amount =
      tokenCost(t.input_text, u.inputTextTokens ?? 0) +
      tokenCost(t.input_image, u.inputImageTokens ?? 0) +
      tokenCost(t.output_image, u.outputImageTokens ?? 0) +
      tokenCost(t.output_text, u.outputTextTokens ?? 0) +
      (price.per_image ?? 0) * delivered;
  } else if (price.per_million_tokens) {
    // No usage reported: charge the quoted share of the images delivered.
    amount = Math.floor((quoted * delivered) / job.n);
  } else {
    amount = 0;
    for (const img of result.images) {
      // A requested tier the table prices (e.g. "4K") wins over the pixel size the upstream reports.
      const tier = job.params.resolution;
      const tierPriced = tier !== undefined && price.per_image_by !== undefined && tableNames(price.per_image_by, tier);
      amount += imagePrice(price, {
        quality: known(result.meta?.quality) ?? job.params.quality,
        size: tierPriced ? tier : (known(img.size) ?? known(result.meta?.size) ?? sizeKeyOf(job)),
      });
    }
  }
  return Math.min(amount, quoted);
}
