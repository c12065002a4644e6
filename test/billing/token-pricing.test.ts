import { describe, expect, it } from 'vitest';
import { charge, quote } from '../../src/billing/pricing.js';
import { areaTokens, outputImageTokens, tokenBounds } from '../../src/billing/token-bounds.js';
import { loadCatalogData } from '../../src/catalog/load.js';
import type { ImageJob, ImageResult, InputImage } from '../../src/domain/job.js';
import type { Price } from '../../src/domain/model-spec.js';

const catalog = loadCatalogData();
const priceOf = (id: string): Price => catalog.models[id]!.price;
const gpt1 = priceOf('gpt-image-1');
const gpt15 = priceOf('gpt-image-1.5');
const gpt2 = priceOf('gpt-image-2');

const input = (width: number, height: number, field = 'image'): InputImage => ({
  field,
  bytes: Buffer.alloc(0),
  mime: 'image/png',
  width,
  height,
  hasAlpha: false,
});

const job = (params: ImageJob['params'], more: Partial<ImageJob> = {}): ImageJob => ({
  requestId: 'req_t',
  model: 'm',
  operation: 'text-to-image',
  prompt: 'a red fox',
  n: 1,
  params,
  images: [],
  responseFormat: 'b64_json',
  ...more,
});

const delivered = (count: number, usage?: ImageResult['usage']): ImageResult => ({
  images: Array.from({ length: count }, () => ({ payload: { kind: 'b64', b64: 'AA==', mime: 'image/png' } })),
  failedCount: 0,
  usage,
});

/** Micro-units of `tokens` at a rate in micro-units per million, rounded up as pricing.ts does. */
const cost = (perMillion: number, tokens: number) => Math.ceil((perMillion * tokens) / 1_000_000);

// OpenAI's image generation guide: output image tokens of GPT Image 1, 1.5 and 1-mini.
const GPT_IMAGE_1_OUTPUT: Array<[string, string, number]> = [
  ['low', '1024x1024', 272],
  ['low', '1024x1536', 408],
  ['low', '1536x1024', 400],
  ['medium', '1024x1024', 1056],
  ['medium', '1024x1536', 1584],
  ['medium', '1536x1024', 1568],
  ['high', '1024x1024', 4160],
  ['high', '1024x1536', 6240],
  ['high', '1536x1024', 6208],
];

describe('token prices: the hold', () => {
  it.each(GPT_IMAGE_1_OUTPUT)('holds %s quality at %s at its published output tokens', (quality, size, tokens) => {
    const j = job({ quality, size });
    // "a red fox" is 9 bytes, plus 16 tokens of framing: the prompt's bound.
    expect(tokenBounds(gpt1, j, size)).toEqual({ inputText: 9 + 16, inputImage: 0, outputImage: tokens });
    expect(quote(gpt1, j)).toBe(cost(5_000_000, 25) + cost(40_000_000, tokens));
  });

  it('holds auto quality and auto size at the dearest combination the table lists', () => {
    expect(outputImageTokens(gpt1, 'auto', 'auto')).toBe(6240);
    expect(outputImageTokens(gpt1, 'auto', '1024x1024')).toBe(4160);
    expect(outputImageTokens(gpt1, 'low', undefined)).toBe(408);
    expect(outputImageTokens(gpt2, 'auto', 'auto')).toBe(7024);
    expect(quote(gpt15, job({ quality: 'auto', size: 'auto' }, { n: 3 }))).toBe(cost(5_000_000, 25) + cost(32_000_000, 3 * 6240));
  });

  it('holds n images at n times the output tokens of one', () => {
    const one = tokenBounds(gpt2, job({ quality: 'high', size: '1536x1024' }), '1536x1024');
    const four = tokenBounds(gpt2, job({ quality: 'high', size: '1536x1024' }, { n: 4 }), '1536x1024');
    expect(four.outputImage).toBe(4 * one.outputImage);
    expect(four.inputText).toBe(one.inputText);
  });

  it("reproduces gpt-image-2's calculator at its listed sizes and prices free sizes by area", () => {
    const rule = gpt2.tokens!.output_image_by_area!;
    for (const [key, tokens] of Object.entries(gpt2.tokens!.output_image!)) {
      const [quality, size] = key.split('/') as [string, string];
      const [w, h] = size.split('x').map(Number) as [number, number];
      expect(areaTokens(rule, quality, w, h)).toBe(tokens);
    }
    // Figures OpenAI's calculator shows for sizes the table does not list.
    expect(outputImageTokens(gpt2, 'high', '3584x2048')).toBe(12329);
    expect(outputImageTokens(gpt2, 'high', '1792x1024')).toBe(5063);
    expect(outputImageTokens(gpt2, 'low', '960x720')).toBe(130);
    expect(outputImageTokens(gpt2, 'low', '976x704')).toBe(129);
    // An open quality at a free size takes the dearest quality's factor.
    expect(outputImageTokens(gpt2, 'auto', '3840x2160')).toBe(areaTokens(rule, 'high', 3840, 2160));
  });

  it('bounds the prompt by its UTF-8 bytes, so a prompt in Chinese is not held short', () => {
    const zh = job({ quality: 'low', size: '1024x1024' }, { prompt: '一只红狐狸' });
    expect(tokenBounds(gpt1, zh, '1024x1024').inputText).toBe(15 + 16);
  });

  it('raises the hold of an edit with each input image, by its dimensions, and more at high fidelity', () => {
    const edit = (images: InputImage[], fidelity?: string, mask?: InputImage) =>
      job({ quality: 'medium', size: '1024x1024', ...(fidelity ? { input_fidelity: fidelity } : {}) }, { operation: 'edit', images, mask });
    // Square: one 512-px tile (65 + 129); 1536x1024 at short side 512 is 768x512: two tiles (65 + 258).
    const square = input(1024, 1024);
    const wide = input(1536, 1024, 'image[1]');
    expect(tokenBounds(gpt1, edit([square]), '1024x1024').inputImage).toBe(194);
    expect(tokenBounds(gpt1, edit([square, wide]), '1024x1024').inputImage).toBe(194 + 323);
    expect(tokenBounds(gpt1, edit([square, wide]), '1024x1024').inputText).toBe(9 + 16 + 2 * 32);
    expect(tokenBounds(gpt1, edit([square, wide], 'high'), '1024x1024').inputImage).toBe(194 + 4160 + 323 + 6240);
    // The mask is read too.
    expect(tokenBounds(gpt1, edit([square], undefined, input(1024, 1024, 'mask')), '1024x1024').inputImage).toBe(2 * 194);
    // gpt-image-2 reads every input at high fidelity, asked or not.
    expect(tokenBounds(gpt2, edit([wide]), '1024x1024').inputImage).toBe(323 + 6240);

    const one = quote(gpt1, edit([square]));
    const three = quote(gpt1, edit([square, wide, input(4096, 1024, 'image[2]')]));
    expect(three).toBeGreaterThan(one);
    expect(three - quote(gpt1, edit([]))).toBe(
      cost(10_000_000, 194 + 323 + tokenBounds(gpt1, edit([input(4096, 1024)]), undefined).inputImage) + cost(5_000_000, 3 * 32),
    );
  });

  it('adds the output tokens of each partial image the client asked to be streamed', () => {
    const plain = job({ quality: 'low', size: '1024x1024' }, { n: 2 });
    const streamed = job({ quality: 'low', size: '1024x1024' }, { n: 2, stream: { partialImages: 3 } });
    expect(tokenBounds(gpt15, streamed, '1024x1024').outputImage - tokenBounds(gpt15, plain, '1024x1024').outputImage).toBe(2 * 3 * 100);
    expect(quote(gpt15, streamed)).toBeGreaterThan(quote(gpt15, plain));
  });

  it('holds a Gemini 3 image by its resolution tier, a size the table does not name at the dearest tier', () => {
    const pro = priceOf('gemini-3-pro-image-preview');
    expect(outputImageTokens(pro, undefined, '1K')).toBe(1120);
    expect(outputImageTokens(pro, undefined, '4K')).toBe(2000);
    expect(outputImageTokens(pro, undefined, '2048x2048')).toBe(2000);
    expect(outputImageTokens(priceOf('gemini-2.5-flash-image'), undefined, '1024x1024')).toBe(1290);
  });
});

describe('the worked example of docs/trust.md', () => {
  it('holds 487 231 and charges 188 912 micro-units for a two-image high-fidelity edit on gpt-image-1.5', () => {
    const j = job(
      { quality: 'auto', size: '1024x1536', input_fidelity: 'high' },
      { operation: 'edit', n: 2, prompt: 'put the fox on a snowy hill', images: [input(1024, 1024), input(1536, 1024, 'image[1]')] },
    );
    expect(tokenBounds(gpt15, j, '1024x1536')).toEqual({ inputText: 107, inputImage: 10_917, outputImage: 12_480 });
    const q = quote(gpt15, j);
    expect(q).toBe(487_231);
    expect(charge(gpt15, j, delivered(2, { inputTextTokens: 40, inputImageTokens: 10_917, outputImageTokens: 2 * 1584 }), q)).toBe(188_912);
  });
});

describe('token prices: the charge', () => {
  it('charges an edit with several images for the input image tokens the upstream reports', () => {
    const j = job({ quality: 'medium', size: '1024x1024' }, { operation: 'edit', images: [input(1024, 1024), input(1536, 1024, 'image[1]')] });
    const q = quote(gpt1, j);
    const textOnly = charge(gpt1, j, delivered(1, { inputTextTokens: 30, outputImageTokens: 1056 }), q);
    const withImages = charge(gpt1, j, delivered(1, { inputTextTokens: 30, inputImageTokens: 517, outputImageTokens: 1056 }), q);
    expect(withImages).toBe(cost(5_000_000, 30) + cost(10_000_000, 517) + cost(40_000_000, 1056));
    expect(withImages - textOnly).toBe(cost(10_000_000, 517));
    expect(withImages).toBeLessThanOrEqual(q);
  });

  it('charges a partial delivery (n=3, 2 delivered) by the usage reported, below the hold', () => {
    const j = job({ quality: 'high', size: '1024x1536' }, { n: 3 });
    const q = quote(gpt15, j);
    const amount = charge(gpt15, j, delivered(2, { inputTextTokens: 12, outputImageTokens: 2 * 6240 }), q);
    expect(amount).toBe(cost(5_000_000, 12) + cost(32_000_000, 2 * 6240));
    expect(amount).toBeLessThan(q);
  });

  it('clips usage reported above the hold to the hold', () => {
    const j = job({ quality: 'low', size: '1024x1024' });
    const q = quote(gpt2, j);
    expect(charge(gpt2, j, delivered(1, { inputTextTokens: 9, outputImageTokens: 7024 }), q)).toBe(q);
  });

  it('charges a token-priced model without reported usage the quoted share of the images delivered', () => {
    const j = job({ quality: 'medium', size: '1024x1024' }, { n: 3 });
    const q = quote(gpt1, j);
    expect(charge(gpt1, j, delivered(2), q)).toBe(Math.floor((q * 2) / 3));
    expect(charge(gpt1, j, delivered(0), q)).toBe(0);
  });
});
