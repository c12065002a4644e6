import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';

const overlay = (route: string) => `
models:
  my-flow:
    owned_by: me
    routes: [${route}]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    price: { per_image: 1000 }
`;
const OPTIONS = 'options: { workflow: flow.json, bindings: { prompt: 6.inputs.text, seed: 3.inputs.seed } }';
const catalogOf = (route: string, env: Record<string, string> = {}) => new Catalog(loadCatalogData({ overlayText: overlay(route) }), env);

describe('comfyui catalog entries', () => {
  it('builds in the provider but no model: nothing is reachable until the operator declares one', () => {
    const data = loadCatalogData();
    expect(data.providers.comfyui).toMatchObject({ base_url_env: 'COMFYUI_URL', base_url_required: true, key_optional: true });
    expect(Object.values(data.models).some((m) => m.routes.some((r) => r.provider === 'comfyui'))).toBe(false);
  });

  it('offers a route without base_url once COMFYUI_URL is set, keyless, its bindings kept as a map', () => {
    const route = `{ provider: comfyui, ${OPTIONS} }`;
    expect(catalogOf(route).resolve('my-flow')).toBeUndefined();
    expect(
      catalogOf(route)
        .availability()
        .find((m) => m.id === 'my-flow')!.routes[0],
    ).toMatchObject({ configured: false, missing_env: 'COMFYUI_URL' });
    const offered = catalogOf(route, { COMFYUI_URL: 'http://gpu-1:8188' }).resolve('my-flow')!.routes[0];
    expect(offered).toMatchObject({ baseUrl: 'http://gpu-1:8188', credential: 'none', apiKey: '' });
    expect(offered!.options).toEqual({ workflow: 'flow.json', bindings: { prompt: '6.inputs.text', seed: '3.inputs.seed' } });
  });

  it('refuses route options nested deeper than one map of strings', () => {
    expect(() => catalogOf('{ provider: comfyui, base_url: "http://h:8188", options: { bindings: { prompt: { node: 6 } } } }')).toThrow(/options/);
  });
});
