import { describe, expect, it } from 'vitest';
import { quote } from '../../../src/billing/pricing.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { job } from './job.js';

const MODELS = ['gemini-2.5-flash-image', 'gemini-3-pro-image-preview', 'gemini-3.1-flash-image-preview'];
const withKey = () => new Catalog(loadCatalogData(), { GEMINI_API_KEY: 'x' });

describe('gemini catalog entries', () => {
  it('offers the three Gemini image models at the real endpoint when GEMINI_API_KEY is set', () => {
    const c = withKey();
    for (const id of MODELS) {
      const m = c.resolve(id)!;
      expect(m.id).toBe(id);
      expect(m.routes).toEqual([
        expect.objectContaining({ provider: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta', apiKey: 'x', upstreamModel: id }),
      ]);
      expect(m.spec.n.max).toBe(4);
      expect(m.spec.chat_completions).toBe(true);
    }
  });

  it('offers none of them without GEMINI_API_KEY, though it knows the names', () => {
    const c = new Catalog(loadCatalogData(), {});
    for (const id of [...MODELS, 'nano-banana']) {
      expect(c.resolve(id)).toBeUndefined();
      expect(c.isKnownButUnavailable(id)).toBe(true);
    }
  });

  it('points at GEMINI_BASE_URL when it is set', () => {
    const c = new Catalog(loadCatalogData(), { GEMINI_API_KEY: 'x', GEMINI_BASE_URL: 'http://127.0.0.1:9/v1beta/' });
    expect(c.resolve('nano-banana-2')!.routes[0]!.baseUrl).toBe('http://127.0.0.1:9/v1beta');
  });

  it('resolves the Nano Banana aliases and google/ prefixed names', () => {
    const c = withKey();
    expect(c.resolve('nano-banana')?.id).toBe('gemini-2.5-flash-image');
    expect(c.resolve('gemini-2.5-flash-image-preview')?.id).toBe('gemini-2.5-flash-image');
    expect(c.resolve('nano-banana-pro')?.id).toBe('gemini-3-pro-image-preview');
    expect(c.resolve('nano-banana-2')?.id).toBe('gemini-3.1-flash-image-preview');
    expect(c.resolve('google/nano-banana-pro')?.id).toBe('gemini-3-pro-image-preview');
  });

  it('declares generations and edits with inline-reference limits and no mask', () => {
    const c = withKey();
    const flash = c.resolve('gemini-2.5-flash-image')!.spec.operations;
    const pro = c.resolve('gemini-3-pro-image-preview')!.spec.operations;
    expect(flash['text-to-image']!.endpoint).toBe('/v1/images/generations');
    expect(flash['image-to-image']!.images).toMatchObject({ max_images: 3, max_bytes: 7 * 1024 * 1024, mask: false });
    expect(flash.edit).toMatchObject({ endpoint: '/v1/images/edits', images: { max_images: 3, mask: false } });
    expect(pro['image-to-image']!.images!.max_images).toBe(14);
    expect(pro.edit!.images!.max_images).toBe(14);
    expect(c.resolve('gemini-3.1-flash-image-preview')!.spec.operations.edit!.images!.max_images).toBe(14);
    expect(flash.variation).toBeUndefined();
  });

  it('lists resolution only for the models that take imageSize', () => {
    const c = withKey();
    expect(c.resolve('gemini-2.5-flash-image')!.spec.fields.resolution).toBeUndefined();
    expect(c.resolve('gemini-3-pro-image-preview')!.spec.fields.resolution!.values).toEqual(['1K', '2K', '4K']);
    expect(c.resolve('gemini-3.1-flash-image-preview')!.spec.fields.aspect_ratio!.values).toEqual(expect.arrayContaining(['1:4', '4:1', '1:8', '8:1']));
    expect(c.resolve('gemini-3-pro-image-preview')!.spec.fields.aspect_ratio!.values).not.toContain('1:4');
  });

  it('lists exactly the sizes the adapter accepts: every listed size and aspect_ratio/resolution value passes its validate', () => {
    const adapter = createGeminiAdapter();
    const c = withKey();
    for (const id of MODELS) {
      const m = c.resolve(id)!;
      const route = m.routes[0]!;
      for (const size of m.spec.sizes!.values) expect(() => adapter.validate!(job({ model: id, params: { size } }), route)).not.toThrow();
      for (const ratio of m.spec.fields.aspect_ratio!.values!) {
        for (const resolution of m.spec.fields.resolution?.values ?? [undefined]) {
          const params = { aspect_ratio: String(ratio), ...(resolution ? { resolution: String(resolution) } : {}) };
          expect(() => adapter.validate!(job({ model: id, params }), route)).not.toThrow();
        }
      }
    }
    // And the counts match the tables: 10 ratios x tiers, plus auto and the two OpenAI sizes.
    expect(c.resolve('gemini-2.5-flash-image')!.spec.sizes!.values).toHaveLength(10 + 3);
    expect(c.resolve('gemini-3-pro-image-preview')!.spec.sizes!.values).toHaveLength(30 + 3);
    expect(c.resolve('gemini-3.1-flash-image-preview')!.spec.sizes!.values).toHaveLength(42 + 3);
  });

  it('quotes token-priced models high enough for their largest output image', () => {
    const c = withKey();
    const perImage = (id: string, n: number) => quote(c.resolve(id)!.spec.price, job({ model: id, n }));
    // Output image tokens x price: 2.5 Flash 1290 x $30/M; 3 Pro 4K 2000 x $120/M; 3.1 Flash 4K 2520 x $60/M.
    expect(perImage('gemini-2.5-flash-image', 1)).toBeGreaterThanOrEqual(38_700);
    expect(perImage('gemini-3-pro-image-preview', 1)).toBeGreaterThanOrEqual(240_000);
    expect(perImage('gemini-3.1-flash-image-preview', 1)).toBeGreaterThanOrEqual(151_200);
    expect(perImage('gemini-3-pro-image-preview', 4)).toBeGreaterThanOrEqual(4 * 240_000);
  });
});
