import { describe, expect, it } from 'vitest';
import { imagePrice } from '../../../src/billing/pricing.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { MODELS as MAPPED } from '../../../src/providers/replicate/mapping.js';

const catalog = (env: Record<string, string> = { REPLICATE_API_TOKEN: 'r8_k' }) => new Catalog(loadCatalogData(), env);

const MODELS = [
  'black-forest-labs/flux-schnell',
  'black-forest-labs/flux-dev',
  'black-forest-labs/flux-1.1-pro',
  'black-forest-labs/flux-kontext-pro',
  'recraft-ai/recraft-v3',
  'ideogram-ai/ideogram-v2',
];

describe('replicate catalog entries', () => {
  it('offers each official model at api.replicate.com when REPLICATE_API_TOKEN is set, and none without', () => {
    for (const id of MODELS)
      expect(catalog().resolve(id)!.routes[0]).toMatchObject({
        provider: 'replicate',
        baseUrl: 'https://api.replicate.com',
        apiKey: 'r8_k',
        upstreamModel: id,
      });
    for (const id of MODELS) expect(catalog({}).resolve(id)).toBeUndefined();
  });

  it('uses REPLICATE_BASE_URL when set', () => {
    const env = { REPLICATE_API_TOKEN: 'r8_k', REPLICATE_BASE_URL: 'http://127.0.0.1:9/' };
    expect(catalog(env).resolve('black-forest-labs/flux-dev')!.routes[0]!.baseUrl).toBe('http://127.0.0.1:9');
  });

  it("maps every field, size, image and n a model's contract offers to an input of that model", () => {
    for (const id of MODELS) {
      const { spec } = catalog().resolve(id)!;
      const mapped = MAPPED[id]!;
      expect(mapped, id).toBeDefined();
      const fields = [...Object.keys(spec.fields), ...Object.values(spec.operations).flatMap((op) => Object.keys(op.fields ?? {}))];
      for (const f of fields) expect(mapped.inputs[f], `${id} ${f}`).toBeDefined();
      expect(spec.sizes !== undefined, `${id} size`).toBe(mapped.size !== undefined);
      const takesImages = Object.values(spec.operations).some((op) => op.images);
      expect(takesImages, `${id} image`).toBe(mapped.image !== undefined);
      expect(spec.n.max > 1, `${id} n`).toBe(mapped.count !== undefined);
    }
  });

  it("prices each model at Replicate's published price per output image", () => {
    const price = (id: string) => imagePrice(catalog().resolve(id)!.spec.price, {});
    expect(MODELS.map(price)).toEqual([3_000, 25_000, 40_000, 40_000, 40_000, 80_000]);
  });
});
