import { describe, expect, it } from 'vitest';
import { imagePrice } from '../../../src/billing/pricing.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { SERVICES } from '../../../src/providers/stability/mapping.js';

const catalog = (env: Record<string, string> = { STABILITY_API_KEY: 'k' }) => new Catalog(loadCatalogData(), env);

const MODELS = [
  'stable-image-ultra',
  'stable-image-core',
  'sd3.5-large',
  'sd3.5-large-turbo',
  'sd3.5-medium',
  'sd3.5-flash',
  'stability-inpaint',
  'stability-erase',
  'stability-search-and-replace',
  'stability-outpaint',
];

describe('stability catalog entries', () => {
  it('offers every Stable Image service at api.stability.ai when STABILITY_API_KEY is set, and none without', () => {
    for (const id of MODELS)
      expect(catalog().resolve(id)!.routes[0]).toMatchObject({ provider: 'stability', baseUrl: 'https://api.stability.ai', apiKey: 'k' });
    for (const id of MODELS) expect(catalog({}).resolve(id)).toBeUndefined();
  });

  it('uses STABILITY_BASE_URL when set', () => {
    expect(catalog({ STABILITY_API_KEY: 'k', STABILITY_BASE_URL: 'http://127.0.0.1:9/' }).resolve('stable-image-core')!.routes[0]!.baseUrl).toBe(
      'http://127.0.0.1:9',
    );
  });

  it('routes each model to a service the adapter knows, offering exactly the operations that service does', () => {
    for (const id of MODELS) {
      const resolved = catalog().resolve(id)!;
      const service = SERVICES[resolved.routes[0]!.upstreamModel];
      expect(service, id).toBeDefined();
      const ops = [service!.operation, ...(service!.imageToImage ? ['image-to-image'] : [])];
      expect(Object.keys(resolved.spec.operations), id).toEqual(ops);
    }
  });

  it('prices each service at its credits (1 credit = $0.01)', () => {
    const price = (id: string) => imagePrice(catalog().resolve(id)!.spec.price, {});
    expect(MODELS.map(price)).toEqual([80_000, 30_000, 65_000, 40_000, 35_000, 25_000, 50_000, 50_000, 50_000, 40_000]);
  });
});
