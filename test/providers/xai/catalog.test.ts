import { describe, expect, it } from 'vitest';
import { imagePrice } from '../../../src/billing/pricing.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';

describe('xai catalog entries', () => {
  it('offers the grok image models at the real xAI endpoint when XAI_API_KEY is set', () => {
    const c = new Catalog(loadCatalogData(), { XAI_API_KEY: 'k' });
    expect(c.resolve('grok-imagine-image')!.routes[0]).toMatchObject({
      provider: 'xai',
      baseUrl: 'https://api.x.ai/v1',
      apiKey: 'k',
      upstreamModel: 'grok-imagine-image',
    });
    expect(c.resolve('xai/grok-imagine-image-2.0')!.id).toBe('grok-imagine-image-2.0');
    expect(c.resolve('grok-2-image')!.routes[0]!.upstreamModel).toBe('grok-2-image-1212');
  });

  it('offers no xAI model without XAI_API_KEY, and uses XAI_BASE_URL when set', () => {
    expect(new Catalog(loadCatalogData(), {}).resolve('grok-imagine-image')).toBeUndefined();
    const c = new Catalog(loadCatalogData(), { XAI_API_KEY: 'k', XAI_BASE_URL: 'http://127.0.0.1:9/v1/' });
    expect(c.resolve('grok-imagine-image')!.routes[0]!.baseUrl).toBe('http://127.0.0.1:9/v1');
  });

  it('takes no size, and aspect_ratio and resolution instead, as xAI does', () => {
    const spec = new Catalog(loadCatalogData(), { XAI_API_KEY: 'k' }).resolve('grok-imagine-image')!.spec;
    expect(spec.sizes).toBeUndefined();
    expect(Object.keys(spec.fields).sort()).toEqual(['aspect_ratio', 'resolution']);
    expect(spec.n.max).toBe(10);
    expect(Object.keys(spec.operations)).toEqual(['text-to-image']);
  });

  it('prices grok-imagine-image-2.0 by quality and resolution, holding open ones at the dearest tier', () => {
    const price = new Catalog(loadCatalogData(), { XAI_API_KEY: 'k' }).resolve('grok-imagine-image-2.0')!.spec.price;
    expect(imagePrice(price, { quality: 'low', size: '1K' })).toBe(20_000);
    expect(imagePrice(price, {})).toBe(80_000);
  });
});
