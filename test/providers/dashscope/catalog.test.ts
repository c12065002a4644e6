import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePrice } from '../../../src/billing/pricing.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import type { Operation } from '../../../src/domain/job.js';
import { createDashScopeAdapter } from '../../../src/providers/dashscope/adapter.js';
import { type DashScopeFake, startDashScopeFake } from '../../fakes/dashscope.js';
import { callContext, FAST_POLLING, job, reference, routeTo } from './job.js';

const MODELS = [
  'wan2.5-t2i-preview',
  'wan2.2-t2i-flash',
  'wan2.2-t2i-plus',
  'wanx2.1-t2i-turbo',
  'wanx2.1-t2i-plus',
  'wan2.6-t2i',
  'wan2.6-image',
  'wan2.7-image',
  'wan2.7-image-pro',
  'qwen-image-plus',
];

const offered = () => new Catalog(loadCatalogData(), { DASHSCOPE_API_KEY: 'x' });

describe('dashscope catalog entries', () => {
  it('offers the Wan and Qwen-Image models at the real international endpoint when DASHSCOPE_API_KEY is set', () => {
    const c = offered();
    for (const id of MODELS) {
      expect(c.resolve(id)?.routes[0]).toMatchObject({
        provider: 'dashscope',
        baseUrl: 'https://dashscope-intl.aliyuncs.com/api/v1',
        apiKey: 'x',
        upstreamModel: id,
      });
    }
  });

  it('offers none of them without DASHSCOPE_API_KEY', () => {
    const c = new Catalog(loadCatalogData(), {});
    for (const id of MODELS) {
      expect(c.resolve(id)).toBeUndefined();
      expect(c.isKnownButUnavailable(id)).toBe(true);
    }
  });

  it('uses DASHSCOPE_BASE_URL when set (e.g. the Beijing region)', () => {
    const c = new Catalog(loadCatalogData(), { DASHSCOPE_API_KEY: 'x', DASHSCOPE_BASE_URL: 'https://dashscope.aliyuncs.com/api/v1/' });
    expect(c.resolve('wan2.6-t2i')!.routes[0]!.baseUrl).toBe('https://dashscope.aliyuncs.com/api/v1');
  });

  it('resolves the aliases and the dashscope/ prefix', () => {
    const c = offered();
    expect(['wan2.5', 'wan2.6', 'wan2.7', 'wan2.7-pro', 'qwen-image', 'dashscope/wan2.6-image'].map((n) => c.resolve(n)?.id)).toEqual([
      'wan2.5-t2i-preview',
      'wan2.6-t2i',
      'wan2.7-image',
      'wan2.7-image-pro',
      'qwen-image-plus',
      'wan2.6-image',
    ]);
  });

  it('states the contracts the DashScope API documents', () => {
    const c = offered();
    const spec = (id: string) => c.resolve(id)!.spec;
    for (const id of MODELS) {
      expect(spec(id)).toMatchObject({ mode: 'sync', timeout_ms: 300000 });
      expect(spec(id).fields.negative_prompt!.max_length).toBe(500);
      expect(spec(id).fields.seed).toMatchObject({ type: 'integer', min: 0, max: 2147483647 });
    }
    expect(Object.keys(spec('wan2.6-image').operations).sort()).toEqual(['edit', 'image-to-image']);
    expect(spec('wan2.6-image').operations.edit!.images).toMatchObject({
      min_images: 1,
      max_images: 4,
      max_bytes: 10485760,
      min_side: 240,
      max_side: 8000,
      mask: false,
    });
    expect(spec('wan2.6-image').prompt.max_length).toBe(2000);
    expect(spec('wan2.7-image').operations['image-to-image']!.images!.max_images).toBe(9);
    expect(spec('wan2.7-image').n.max).toBe(12);
    expect(spec('wan2.7-image-pro').operations['text-to-image']!.fields!.resolution!.values).toEqual(['1K', '2K', '4K']);
    expect(spec('wan2.7-image-pro').fields.resolution!.values).toEqual(['1K', '2K']);
    expect(spec('qwen-image-plus').sizes!.values).toEqual(['auto', '1664x928', '1472x1140', '1328x1328', '1140x1472', '928x1664']);
    expect(spec('wan2.5-t2i-preview').sizes!.rule).toMatchObject({ min_pixels: 1638400, max_pixels: 2073600, max_ratio: 4 });
  });

  it('prices wan2.5, wan2.6, wan2.7 and qwen-image-plus at $0.03 per image, wan2.7 pro at $0.05 and more for 4K', () => {
    const c = offered();
    for (const id of ['wan2.5-t2i-preview', 'wan2.6-t2i', 'wan2.6-image', 'wan2.7-image', 'qwen-image-plus'])
      expect(imagePrice(c.resolve(id)!.spec.price, { size: '1328x1328' })).toBe(30_000);
    expect(imagePrice(c.resolve('wan2.7-image-pro')!.spec.price, { size: '2K' })).toBe(50_000);
    expect(imagePrice(c.resolve('wan2.7-image-pro')!.spec.price, { size: '4K' })).toBe(75_000);
  });
});

describe('dashscope catalog ↔ adapter ↔ upstream', () => {
  let fake: DashScopeFake;
  const adapter = createDashScopeAdapter(FAST_POLLING);
  beforeAll(async () => {
    fake = await startDashScopeFake();
  });
  afterAll(async () => fake.close());

  it('turns every size, aspect ratio and resolution the catalog offers into a request DashScope accepts', async () => {
    const c = offered();
    const tried: string[] = [];
    for (const id of MODELS) {
      const spec = c.resolve(id)!.spec;
      for (const op of Object.keys(spec.operations) as Operation[]) {
        const fields = { ...spec.fields, ...(spec.operations[op]!.fields ?? {}) };
        const images = op === 'text-to-image' ? [] : [await reference('image')];
        const variants = [
          ...(spec.sizes?.values ?? []).map((size) => ({ size })),
          ...((fields.aspect_ratio?.values ?? []) as string[]).map((aspect_ratio) => ({ aspect_ratio })),
          ...((fields.resolution?.values ?? []) as string[]).map((resolution) => ({ resolution })),
        ];
        for (const params of variants) {
          const j = job({ model: id, operation: op, images, params });
          adapter.validate!(j, routeTo(fake, id));
          const result = await adapter.generate(j, routeTo(fake, id), callContext());
          expect(result.images, `${id} ${op} ${JSON.stringify(params)}`).toHaveLength(1);
          tried.push(`${id} ${op} ${JSON.stringify(params)}`);
        }
      }
    }
    expect(tried.length).toBeGreaterThan(80);
  });
});
