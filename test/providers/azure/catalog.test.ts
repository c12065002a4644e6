import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { checkRouteSettings, createProviderRegistry } from '../../../src/providers/registry.js';
import { loadConfig } from '../../../src/config/config.js';

const AZURE_MODELS = ['gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini', 'dall-e-3'];
const ENDPOINT = 'https://contoso.openai.azure.com';
const catalog = (env: Record<string, string>, overlayText?: string) => new Catalog(loadCatalogData({ overlayText }), env);

describe('azure openai catalog entries', () => {
  it('offers GPT Image and DALL·E 3 through Azure alone when its key and endpoint are set, with the key as an api-key credential', () => {
    const c = catalog({ AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: `${ENDPOINT}/` });
    for (const id of AZURE_MODELS) {
      expect(c.resolve(id)?.routes).toEqual([
        expect.objectContaining({ provider: 'azure', baseUrl: ENDPOINT, apiKey: 'k', credential: 'api-key', upstreamModel: id, priority: 1 }),
      ]);
    }
    expect(c.resolve('dall-e-2')).toBeUndefined();
  });

  it('takes an Entra token from AZURE_OPENAI_AD_TOKEN as a bearer-token credential when no key is set', () => {
    const c = catalog({ AZURE_OPENAI_AD_TOKEN: 't', AZURE_OPENAI_ENDPOINT: ENDPOINT });
    expect(c.resolve('gpt-image-1')?.routes[0]).toMatchObject({ apiKey: 't', credential: 'bearer-token' });
  });

  it('prefers the key when both the key and a token are set', () => {
    const c = catalog({ AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_AD_TOKEN: 't', AZURE_OPENAI_ENDPOINT: ENDPOINT });
    expect(c.resolve('gpt-image-1')?.routes[0]).toMatchObject({ apiKey: 'k', credential: 'api-key' });
  });

  it('offers no Azure route without AZURE_OPENAI_ENDPOINT, and says that variable is what is missing', () => {
    const c = catalog({ AZURE_OPENAI_API_KEY: 'k' });
    expect(c.resolve('gpt-image-1')).toBeUndefined();
    const route = c
      .availability()
      .find((m) => m.id === 'gpt-image-1')!
      .routes.find((r) => r.provider === 'azure')!;
    expect(route).toMatchObject({ configured: false, missing_env: 'AZURE_OPENAI_ENDPOINT' });
  });

  it('routes GPT Image to OpenAI first and Azure second when both are configured', () => {
    const c = catalog({ OPENAI_API_KEY: 'o', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: ENDPOINT });
    const routes = c.resolve('gpt-image-1')!.routes;
    expect(routes.map((r) => [r.id, r.priority])).toEqual([
      ['gpt-image-1#0:openai', 0],
      ['gpt-image-1#1:azure', 1],
    ]);
  });

  it("lets an operator's route carry its own endpoint, key variable and deployment (a second region)", () => {
    const overlay = `
models:
  gpt-image-1:
    routes:
      - { provider: azure, options: { deployment: gpt-image-1-east } }
      - { provider: azure, base_url: "https://contoso-west.openai.azure.com", key_env: AZURE_WEST_KEY, priority: 1, options: { deployment: gi1-west } }
`;
    const c = catalog({ AZURE_OPENAI_API_KEY: 'k', AZURE_WEST_KEY: 'w', AZURE_OPENAI_ENDPOINT: ENDPOINT }, overlay);
    expect(c.resolve('gpt-image-1')!.routes).toEqual([
      expect.objectContaining({ baseUrl: ENDPOINT, apiKey: 'k', options: { deployment: 'gpt-image-1-east' } }),
      expect.objectContaining({ baseUrl: 'https://contoso-west.openai.azure.com', apiKey: 'w', credential: 'api-key', options: { deployment: 'gi1-west' } }),
    ]);
  });
});

describe('azure route settings at start', () => {
  const registry = createProviderRegistry(loadConfig({}));
  const env = { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: ENDPOINT };

  it('stops the start on a route option the Azure adapter cannot use, naming the route', () => {
    const overlay = `
models:
  gpt-image-1:
    routes: [{ provider: azure, options: { api: v2 } }]
`;
    expect(() => checkRouteSettings(registry, catalog(env, overlay))).toThrow(/gpt-image-1#0:azure: option api must be one of deployments, v1, not "v2"/);
  });

  it('accepts the built-in routes and both URL styles', () => {
    const overlay = `
models:
  gpt-image-1:
    routes: [{ provider: azure, options: { api: v1, deployment: d } }, { provider: azure, options: { api_version: 2024-10-21 } }]
`;
    expect(() => checkRouteSettings(registry, catalog(env))).not.toThrow();
    expect(() => checkRouteSettings(registry, catalog(env, overlay))).not.toThrow();
  });
});

describe('azure routes and the operations Azure serves', () => {
  const registry = createProviderRegistry(loadConfig({}));
  const env = { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: ENDPOINT };

  it('stops the start when an Azure route would serve variations, which Azure has no endpoint for', () => {
    const overlay = `
models:
  dall-e-2:
    routes: [{ provider: azure }]
`;
    expect(() => checkRouteSettings(registry, catalog(env, overlay))).toThrow(/dall-e-2#0:azure: Azure OpenAI has no endpoint for variation/);
  });

  it('accepts that route once its accepts leave variations out', () => {
    const overlay = `
models:
  dall-e-2:
    routes: [{ provider: azure, accepts: { operations: [text-to-image, edit] } }]
`;
    expect(() => checkRouteSettings(registry, catalog(env, overlay))).not.toThrow();
  });
});
