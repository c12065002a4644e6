import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';

const overlay = (route: string) => `
models:
  my-sd:
    owned_by: me
    routes: [${route}]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    sizes: { values: ["512x512"] }
    fields: { step: { type: integer, min: 1, max: 100 } }
    price: { per_image: 1000 }
`;

const catalogOf = (route: string, env: Record<string, string> = {}) => new Catalog(loadCatalogData({ overlayText: overlay(route) }), env);

describe('openai-compatible catalog entries', () => {
  it('builds in no openai-compatible model: nothing is reachable by default', () => {
    const data = loadCatalogData();
    expect(data.providers['openai-compatible']).toBeDefined();
    expect(Object.values(data.models).some((m) => m.routes.some((r) => r.provider === 'openai-compatible'))).toBe(false);
  });

  it('offers a route with a base URL and no key_env, with no credential', () => {
    const route = catalogOf('{ provider: openai-compatible, base_url: "http://10.0.0.5:8080/v1", upstream_model: sd }').resolve('my-sd')!.routes[0];
    expect(route).toMatchObject({ provider: 'openai-compatible', baseUrl: 'http://10.0.0.5:8080/v1', apiKey: '', credential: 'none', upstreamModel: 'sd' });
  });

  it('offers a route that names key_env only once that variable is set, and says which one is missing', () => {
    const route = '{ provider: openai-compatible, base_url: "http://10.0.0.5:8080/v1", key_env: MY_SD_KEY }';
    const unset = catalogOf(route);
    expect(unset.resolve('my-sd')).toBeUndefined();
    expect(unset.availability().find((m) => m.id === 'my-sd')!.routes[0]).toMatchObject({ configured: false, missing_env: 'MY_SD_KEY' });
    expect(catalogOf(route, { MY_SD_KEY: 'k' }).resolve('my-sd')!.routes[0]).toMatchObject({ apiKey: 'k', credential: 'api-key' });
  });

  it('offers no route without a base URL', () => {
    expect(catalogOf('{ provider: openai-compatible }').resolve('my-sd')).toBeUndefined();
  });
});
