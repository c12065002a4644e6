import { describe, expect, it } from 'vitest';
import { charge, imagePrice, quote } from '../../src/billing/pricing.js';
import type { Price } from '../../src/domain/model-spec.js';
import type { ImageJob, ImageResult } from '../../src/domain/job.js';

const gpt: Price = {
  per_image: 250000,
  per_image_by: { low: 16000, medium: 63000, high: 250000, 'low/1024x1024': 11000, 'medium/1024x1024': 42000, 'high/1024x1024': 167000 },
};

const job = (params: ImageJob['params'], n = 1): ImageJob => ({
  requestId: 'req_t',
  model: 'm',
  operation: 'text-to-image',
  prompt: 'p',
  n,
  params,
  images: [],
  responseFormat: 'b64_json',
});
const result = (count: number, meta?: ImageResult['meta'], usage?: ImageResult['usage']): ImageResult => ({
  images: Array.from({ length: count }, () => ({ payload: { kind: 'b64', b64: 'AA==', mime: 'image/png' } })),
  failedCount: 0,
  meta,
  usage,
});

describe('per-image prices by quality and size', () => {
  it('uses the most specific quality/size entry', () => {
    expect(imagePrice(gpt, { quality: 'low', size: '1024x1024' })).toBe(11000);
    expect(imagePrice(gpt, { quality: 'high', size: '1536x1024' })).toBe(250000);
  });

  it('quotes an open quality (auto) at the dearest compatible price', () => {
    expect(imagePrice(gpt, { quality: 'auto', size: '1024x1024' })).toBe(167000);
    expect(quote(gpt, job({ quality: 'auto', size: '1024x1024' }, 3))).toBe(3 * 167000);
  });

  it('charges what the upstream reports it produced, never more than the quote', () => {
    const j = job({ quality: 'auto', size: '1024x1024' }, 2);
    const q = quote(gpt, j);
    expect(charge(gpt, j, result(2, { quality: 'low', size: '1024x1024' }), q)).toBe(22000);
    expect(charge(gpt, j, result(1, { quality: 'medium', size: '1024x1024' }), q)).toBe(42000);
  });

  it('charges nothing when no image was delivered', () => {
    const j = job({ quality: 'high' }, 4);
    expect(charge(gpt, j, result(0), quote(gpt, j))).toBe(0);
  });

  it('prices dall-e-2 by size alone', () => {
    const d2: Price = { per_image: 20000, per_image_by: { '256x256': 16000, '512x512': 18000, '1024x1024': 20000 } };
    expect(quote(d2, job({ size: '256x256' }, 10))).toBe(160000);
  });
});

describe('token prices', () => {
  const gem: Price = {
    per_million_tokens: { input_text: 300000, input_image: 300000, output_image: 30000000, output_text: 2500000 },
    quote_output_tokens_per_image: 1290,
    quote_input_tokens: 1000,
  };

  it('quotes the assumed output tokens per image plus the prompt allowance', () => {
    // 2 × 1290 × 30 USD/M = 77400 micro; 1000 × 0.3 USD/M = 300 micro.
    expect(quote(gem, job({}, 2))).toBe(77400 + 300);
  });

  it('settles on the usage the upstream reports, capped at the quote', () => {
    const j = job({}, 1);
    const q = quote(gem, j);
    expect(charge(gem, j, result(1, undefined, { inputTextTokens: 10, outputImageTokens: 1290 }), q)).toBe(3 + 38700);
    expect(charge(gem, j, result(1, undefined, { outputImageTokens: 100000 }), q)).toBe(q);
  });
});

describe('tier prices', () => {
  it('settles a requested resolution tier at its price even when the upstream reports pixel sizes', () => {
    const pro: Price = { per_image: 50000, per_image_by: { '4K': 75000 } };
    const j = job({ resolution: '4K' });
    const r = result(1);
    r.images[0]!.size = '4096x4096';
    expect(charge(pro, j, r, quote(pro, j))).toBe(75000);
  });
});
