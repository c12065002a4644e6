import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { imagePrice } from '../../../src/billing/pricing.js';
import { SEEDREAM_40, SEEDREAM_45 } from './job.js';

describe('ark catalog entries', () => {
  it('offers the Seedream models at the real Ark endpoint when ARK_API_KEY is set', () => {
    const c = new Catalog(loadCatalogData(), { ARK_API_KEY: 'x' });
    const s40 = c.resolve(SEEDREAM_40)!;
    expect(s40.routes[0]).toMatchObject({ provider: 'ark', baseUrl: 'https://ark.cn-beijing.volces.com/api/v3', apiKey: 'x', upstreamModel: SEEDREAM_40 });
    expect(c.resolve(SEEDREAM_45)!.id).toBe(SEEDREAM_45);
  });

  it('offers no Seedream model without ARK_API_KEY', () => {
    const c = new Catalog(loadCatalogData(), {});
    expect(c.resolve(SEEDREAM_40)).toBeUndefined();
    expect(c.resolve('seedream-4.5')).toBeUndefined();
    expect(c.isKnownButUnavailable(SEEDREAM_40)).toBe(true);
  });

  it('uses ARK_BASE_URL when set', () => {
    const c = new Catalog(loadCatalogData(), { ARK_API_KEY: 'x', ARK_BASE_URL: 'http://127.0.0.1:9/api/v3/' });
    expect(c.resolve(SEEDREAM_40)!.routes[0]!.baseUrl).toBe('http://127.0.0.1:9/api/v3');
  });

  it('resolves the aliases and the ark/ prefix', () => {
    const c = new Catalog(loadCatalogData(), { ARK_API_KEY: 'x' });
    expect(['seedream-4.0', 'seedream-4-0', 'ark/doubao-seedream-4-0-250828'].map((n) => c.resolve(n)?.id)).toEqual([SEEDREAM_40, SEEDREAM_40, SEEDREAM_40]);
    expect(['seedream-4.5', 'seedream-4-5'].map((n) => c.resolve(n)?.id)).toEqual([SEEDREAM_45, SEEDREAM_45]);
  });

  it('states each model contract as the Ark API documents it', () => {
    const c = new Catalog(loadCatalogData(), { ARK_API_KEY: 'x' });
    const s40 = c.resolve(SEEDREAM_40)!.spec;
    const s45 = c.resolve(SEEDREAM_45)!.spec;
    expect(Object.keys(s40.operations).sort()).toEqual(['edit', 'image-to-image', 'text-to-image']);
    expect(s40.operations['image-to-image']!.images).toMatchObject({ max_images: 14, max_bytes: 10 * 1024 * 1024, mask: false });
    expect(s40.operations.edit!.images).toMatchObject({ max_images: 14, max_bytes: 10 * 1024 * 1024, mask: false });
    expect(s40.n.max).toBe(15);
    expect(s40.sizes!.rule).toMatchObject({ min_pixels: 921600, max_pixels: 16777216, max_ratio: 16 });
    expect(s45.sizes!.rule).toMatchObject({ min_pixels: 3686400, max_pixels: 16777216 });
    expect(s40.fields.resolution!.values).toEqual(['1K', '2K', '4K']);
    expect(s45.fields.resolution!.values).toEqual(['2K', '4K']);
    expect(s40.fields.aspect_ratio!.values).toEqual(['1:1', '4:3', '3:4', '16:9', '9:16', '3:2', '2:3', '21:9']);
    for (const spec of [s40, s45]) {
      expect(spec.fields).not.toHaveProperty('seed');
      expect(spec.fields).not.toHaveProperty('stream');
      expect(spec.fields.watermark!.type).toBe('boolean');
    }
  });

  it('prices Seedream 4.0 at $0.03 and 4.5 at $0.04 per image', () => {
    const c = new Catalog(loadCatalogData(), { ARK_API_KEY: 'x' });
    expect(imagePrice(c.resolve(SEEDREAM_40)!.spec.price, { size: '2048x2048' })).toBe(30_000);
    expect(imagePrice(c.resolve(SEEDREAM_45)!.spec.price, { size: '4K' })).toBe(40_000);
  });
});
