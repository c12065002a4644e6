/**
 * The playground's request and its quote without a browser: the console's quote agrees with the gateway's
 * pricing, and the image-to-image curl snippet (an upload inlined as a data: URL by the shell) runs as printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteOf } from '../../console/src/pages/playground/quote.js';
import type { PlaygroundRequest } from '../../console/src/pages/playground/request.js';
import { curlSnippet, pythonSnippet } from '../../console/src/pages/playground/snippets.js';
import { quote } from '../../src/billing/pricing.js';
import { loadCatalogData } from '../../src/catalog/load.js';
import type { ImageJob } from '../../src/domain/job.js';
import type { Price } from '../../src/domain/model-spec.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const GPT_PRICE: Price = {
  per_image: 250000,
  per_image_by: { low: 16000, medium: 63000, high: 250000, 'low/1024x1024': 11000, 'medium/1024x1024': 42000, 'high/1024x1024': 167000 },
};

describe('the playground quote', () => {
  it('is what the gateway holds for every quality, size and count of a tiered price table', () => {
    for (const price of [
      GPT_PRICE,
      { per_image: 40000 },
      { per_image: 1000, per_megapixel: 2000 },
      { per_image_by: { '1K': 30000, '2K': 60000 } },
    ] as Price[]) {
      for (const quality of [undefined, 'auto', 'low', 'medium', 'high']) {
        for (const [size, resolution] of [[undefined], ['auto'], ['1024x1024'], ['1536x1024'], [undefined, '2K'], ['auto', '1K']] as Array<
          [string?, string?]
        >) {
          for (const n of [1, 3]) {
            const job = { n, prompt: 'a cat', images: [], params: { quality, size, resolution } } as unknown as ImageJob;
            const console = quoteOf({ ...price, currency: 'USD', unit: 'micro' } as Parameters<typeof quoteOf>[0], {
              n,
              prompt: 'a cat',
              quality,
              size,
              resolution,
              images: 0,
            });
            expect(console.amount, JSON.stringify({ price, quality, size, resolution, n })).toBe(quote(price, job));
          }
        }
      }
    }
  });
});

describe('the playground quote of a token price', () => {
  const catalog = loadCatalogData();
  const square = { field: 'image', bytes: Buffer.alloc(0), mime: 'image/png', width: 1024, height: 1024, hasAlpha: false } as const;

  it('is what the gateway holds for every quality, size, count, prompt and square reference of the GPT Image and Gemini models', () => {
    for (const id of ['gpt-image-1', 'gpt-image-1.5', 'gpt-image-2', 'gemini-3-pro-image-preview', 'gemini-2.5-flash-image']) {
      const price = catalog.models[id]!.price;
      for (const quality of [undefined, 'auto', 'low', 'high']) {
        for (const [size, resolution] of [[undefined], ['auto'], ['1024x1024'], ['1024x1536'], ['2048x1152'], [undefined, '4K']] as Array<[string?, string?]>) {
          for (const [n, prompt, images, fidelity] of [
            [1, 'a cat', 0, undefined],
            [3, '一只猫', 2, 'high'],
          ] as Array<[number, string, number, string?]>) {
            const job = {
              n,
              prompt,
              images: Array.from({ length: images }, () => square),
              params: { quality, size, resolution, ...(fidelity ? { input_fidelity: fidelity } : {}) },
            } as unknown as ImageJob;
            const console = quoteOf({ ...price, currency: 'USD', unit: 'micro', basis: 'tokens' } as Parameters<typeof quoteOf>[0], {
              n,
              prompt,
              quality,
              size,
              resolution,
              images,
              inputFidelity: fidelity,
            });
            expect(console, JSON.stringify({ id, quality, size, resolution, n, images })).toEqual({ amount: quote(price, job), estimate: true });
          }
        }
      }
    }
  });
});

describe('the image-to-image snippets', () => {
  let gw: TestGateway;
  let key: string;
  let dir: string;
  let request: PlaygroundRequest;

  beforeAll(async () => {
    gw = await startGateway();
    key = (await gw.clientKey({ balance: 1_000_000 })).key;
    dir = mkdtempSync(join(process.cwd(), 'test', '.playground-snippets-'));
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } })
      .png()
      .toBuffer();
    writeFileSync(join(dir, "it's a reference.png"), png);
    request = {
      kind: 'json',
      endpoint: '/v1/images/generations',
      params: { model: 'local', prompt: 'the same, at night', operation: 'image-to-image', n: 1, size: '128x128' },
      references: [{ kind: 'file', file: { name: "it's a reference.png", blob: new Blob([new Uint8Array(png)], { type: 'image/png' }) } }],
    };
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await gw?.close();
  });

  it('curl inlines the uploaded file as a data: URL read by the shell, and the gateway answers with an image', async () => {
    const snippet = curlSnippet(request, gw.url);
    expect(snippet).toContain('$(base64 -w0');
    const { stdout } = await promisify(execFile)('bash', ['-c', snippet], { cwd: dir, env: { PATH: process.env.PATH, IMAGEGATE_API_KEY: key } });
    const answer = JSON.parse(stdout) as { data?: Array<{ b64_json: string }>; error?: unknown };
    expect(answer.error).toBeUndefined();
    const meta = await sharp(Buffer.from(answer.data![0]!.b64_json, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([128, 128]);
  });

  it('Python passes the fields the SDK does not name through extra_body, the file read from disk', () => {
    const py = pythonSnippet(request, gw.url);
    expect(py).toContain(
      'extra_body={"operation": "image-to-image", "image_urls": ["data:image/png;base64," + base64.b64encode(open("it\'s a reference.png", "rb").read()).decode()]}',
    );
    expect(py).toMatch(/^import base64\nimport os\n/);
  });
});
