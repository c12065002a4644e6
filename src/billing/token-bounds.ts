/**
 * The most tokens a job can take, class by class, for a model priced by tokens: what its hold is made of.
 * Each bound is taken from the catalog's token counts (YAML), never from a guess about the prompt: text by
 * the prompt's UTF-8 bytes (a byte-level tokenizer never makes more tokens than bytes), input images by their
 * dimensions and fidelity, output images by quality and size (an open one at its dearest), plus partial images.
 */
import type { AreaTokens, InputImageTokens, Price, TokenCounts } from '../domain/model-spec.js';
import type { ImageJob, InputImage } from '../domain/job.js';
import { parseSize } from '../domain/size.js';
import { known, lookup, tableValues } from './price-table.js';

export interface TokenBounds {
  inputText: number;
  inputImage: number;
  outputImage: number;
}

/** Input image tokens assumed per image where the catalog states no rule for them (an allowance, not a bound). */
export const INPUT_IMAGE_ALLOWANCE = 1300;

const NO_COUNTS: TokenCounts = { partial_image: 0, input_text_overhead: 0, input_text_per_image: 0 };
const NO_QUALITIES: Array<string | undefined> = [undefined];

/** Output image tokens of a free size from its area (the rule in model-spec.ts AreaTokensSchema). */
export function areaTokens(rule: AreaTokens, quality: string, width: number, height: number): number | undefined {
  const f = rule.quality_factors[quality];
  if (f === undefined) return undefined;
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const s = Math.floor((2 * f * short + long) / (2 * long));
  return Math.ceil((f * s * (rule.offset_pixels + width * height)) / rule.divisor);
}

/** Qualities an area rule knows, worked out once per rule. */
const qualitiesOfRule = new WeakMap<AreaTokens, string[]>();
function areaQualities(rule: AreaTokens): string[] {
  let q = qualitiesOfRule.get(rule);
  if (!q) qualitiesOfRule.set(rule, (q = Object.keys(rule.quality_factors)));
  return q;
}

/** Output image tokens of one image; an open quality or size takes its dearest value. */
export function outputImageTokens(price: Price, quality: string | undefined, size: string | undefined): number {
  const counts = price.tokens ?? NO_COUNTS;
  const table = counts.output_image;
  const area = counts.output_image_by_area;
  const fallback = price.quote_output_tokens_per_image ?? 0;
  const q = known(quality);
  const s = known(size);
  const values = table ? tableValues(table) : undefined;
  const qualities = q ? [q] : values && values.qualities[0] !== undefined ? values.qualities : area ? areaQualities(area) : NO_QUALITIES;
  const sizes = s ? [s] : (values?.sizes ?? [undefined]);
  let most = 0;
  for (const qq of qualities) {
    for (const ss of sizes) {
      let t = table ? lookup(table, qq, ss) : undefined;
      if (t === undefined && area && qq && ss) {
        const d = parseSize(ss);
        if (d && d !== 'auto') t = areaTokens(area, qq, d.width, d.height);
      }
      // A value the catalog does not list is held at the dearest it does list.
      most = Math.max(most, t ?? (values ? values.largest : fallback));
    }
  }
  return most;
}

/** Image tokens of one input image: its tiles (or fixed count), plus what high fidelity adds. */
export function inputImageTokens(rule: InputImageTokens | undefined, image: Pick<InputImage, 'width' | 'height'>, fidelity: string | undefined): number {
  if (!rule) return INPUT_IMAGE_ALLOWANCE;
  let tokens = rule.per_image ?? 0;
  if (rule.tiles) tokens += tiledTokens(rule.tiles, image.width, image.height);
  const hf = rule.high_fidelity;
  if (hf && (hf.applies === 'always' || fidelity === 'high')) tokens += image.width === image.height ? hf.square : Math.max(hf.square, hf.other);
  return tokens;
}

type Tiles = NonNullable<InputImageTokens['tiles']>;

/**
 * The image fitted within the square, its short side scaled to `short_side`; tiles of both the scaled and the
 * unscaled-up picture are counted and the larger taken, since whether the upstream enlarges a small image is
 * not published.
 */
function tiledTokens(t: Tiles, width: number, height: number): number {
  const fit = Math.min(1, t.fit_within / Math.max(width, height));
  const w = width * fit;
  const h = height * fit;
  const toShort = t.short_side / Math.min(w, h);
  const tilesAt = (k: number) => Math.ceil((w * k) / t.tile) * Math.ceil((h * k) / t.tile);
  return t.base + t.per_tile * Math.max(tilesAt(toShort), tilesAt(Math.min(1, toShort)));
}

/** The prompt's text tokens, at most: one per UTF-8 byte, plus the upstream's framing. */
function inputTextTokens(price: Price, job: ImageJob, counts: TokenCounts): number {
  if (price.quote_input_tokens !== undefined) return price.quote_input_tokens;
  return Buffer.byteLength(job.prompt, 'utf8') + counts.input_text_overhead + counts.input_text_per_image * inputImagesOf(job).length;
}

/** Every image the upstream reads: edit sources or references, and the mask. */
function inputImagesOf(job: ImageJob): InputImage[] {
  return job.mask ? [...job.images, job.mask] : job.images;
}

/** The most tokens of each class this job can take. */
export function tokenBounds(price: Price, job: ImageJob, sizeKey: string | undefined): TokenBounds {
  const counts = price.tokens ?? NO_COUNTS;
  let inputImage = 0;
  for (const img of inputImagesOf(job)) inputImage += inputImageTokens(counts.input_image, img, job.params.input_fidelity);
  const perImage = outputImageTokens(price, job.params.quality, sizeKey) + (job.stream?.partialImages ?? 0) * counts.partial_image;
  return { inputText: inputTextTokens(price, job, counts), inputImage, outputImage: perImage * job.n };
}
