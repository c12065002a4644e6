import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadCatalogData } from '../../src/catalog/load.js';

/** gpt-image-1 on OpenAI, and on an Azure deployment that generates only, one image at a time, without moderation. */
const overlay = (contract: 'intersection' | 'per_route') => `
models:
  gpt-image-1:
    route_contract: ${contract}
    routes:
      - { provider: openai }
      - { provider: azure, priority: 1, accepts: { operations: [text-to-image], fields: [quality, output_format, output_compression, background], n_max: 1, sizes: [1024x1024, auto] } }
`;
const BOTH = { OPENAI_API_KEY: 'o', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com' };
const model = (contract: 'intersection' | 'per_route', env: Record<string, string> = BOTH) =>
  new Catalog(loadCatalogData({ overlayText: overlay(contract) }), env).resolve('gpt-image-1')!;

describe('a model whose routes accept different things', () => {
  it('offers only what every configured route takes by default (the intersection)', () => {
    const { spec } = model('intersection');
    expect(Object.keys(spec.operations)).toEqual(['text-to-image']);
    expect(spec.n.max).toBe(1);
    expect(Object.keys(spec.fields)).not.toContain('moderation');
    expect(Object.keys(spec.fields)).toContain('quality');
    expect(spec.sizes?.values).toEqual(['auto', '1024x1024']);
  });

  it('offers the whole contract again when the narrower route is not configured', () => {
    const { spec, routes } = model('intersection', { OPENAI_API_KEY: 'o' });
    expect(routes.map((r) => r.provider)).toEqual(['openai']);
    expect(Object.keys(spec.operations)).toContain('edit');
    expect(spec.n.max).toBe(10);
  });

  it('offers what any route takes with per_route, each route knowing its own share', () => {
    const m = model('per_route');
    expect(Object.keys(m.spec.operations)).toContain('edit');
    expect(m.spec.n.max).toBe(10);
    const azure = m.routes.find((r) => r.provider === 'azure')!;
    expect(Object.keys(azure.model.operations)).toEqual(['text-to-image']);
    expect(azure.model.n.max).toBe(1);
    expect(m.routeSpecs.get(azure.id)?.n.max).toBe(1);
  });

  it('refuses a route that names an operation the gateway does not know, at load', () => {
    const bad = `
models:
  gpt-image-1:
    routes: [{ provider: azure, accepts: { operations: [upscale] } }]
`;
    expect(() => loadCatalogData({ overlayText: bad })).toThrow(/models\.gpt-image-1\.routes\.0\.accepts\.operations/);
  });
});
