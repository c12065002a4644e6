/**
 * Time of pricing, which runs twice per request (the quote before the call, the charge after): per-image
 * and token prices from the built-in catalog, for the shapes of request that cost the most work (open
 * quality and size, a free size, an edit with several inputs). `node --import tsx bench/pricing.ts [iterations]`.
 */
import { charge, quote } from '../src/billing/pricing.js';
import { loadCatalogData } from '../src/catalog/load.js';
import type { ImageJob, ImageResult, InputImage } from '../src/domain/job.js';

const iterations = Number(process.argv[2] ?? 1_000_000);
const models = loadCatalogData().models;

const input = (width: number, height: number): InputImage => ({ field: 'image', bytes: Buffer.alloc(0), mime: 'image/png', width, height, hasAlpha: false });
const job = (model: string, params: ImageJob['params'], more: Partial<ImageJob> = {}): ImageJob => ({
  requestId: 'req_b',
  model,
  operation: 'text-to-image',
  prompt: 'a red fox in the snow at dusk, photographed from a low angle with a long lens',
  n: 2,
  params,
  images: [],
  responseFormat: 'b64_json',
  ...more,
});
const result: ImageResult = {
  images: [{ payload: { kind: 'b64', b64: 'AA==', mime: 'image/png' } }, { payload: { kind: 'b64', b64: 'AA==', mime: 'image/png' } }],
  failedCount: 0,
  usage: { inputTextTokens: 30, inputImageTokens: 517, outputImageTokens: 2112 },
};

const cases: Array<[string, string, ImageJob]> = [
  ['dall-e-3 per image, hd 1024x1024', 'dall-e-3', job('dall-e-3', { quality: 'hd', size: '1024x1024' })],
  ['gpt-image-1 tokens, medium 1024x1024', 'gpt-image-1', job('gpt-image-1', { quality: 'medium', size: '1024x1024' })],
  ['gpt-image-1 tokens, auto/auto', 'gpt-image-1', job('gpt-image-1', { quality: 'auto', size: 'auto' })],
  ['gpt-image-2 tokens, auto quality, free 3840x2160', 'gpt-image-2', job('gpt-image-2', { quality: 'auto', size: '3840x2160' })],
  [
    'gpt-image-1.5 tokens, edit of 4 images, high fidelity',
    'gpt-image-1.5',
    job(
      'gpt-image-1.5',
      { quality: 'high', size: '1536x1024', input_fidelity: 'high' },
      { operation: 'edit', images: [input(1024, 1024), input(1536, 1024), input(4000, 3000), input(800, 2400)] },
    ),
  ],
];

let sink = 0;
for (const [name, model, j] of cases) {
  const price = models[model]!.price;
  for (let i = 0; i < 10_000; i++) sink += quote(price, j);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const q = quote(price, j);
    sink += charge(price, j, result, q);
  }
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  console.log(`${name.padEnd(56)} quote + charge ${ns.toFixed(0).padStart(5)} ns`);
}
if (sink === -1) console.log(sink);
