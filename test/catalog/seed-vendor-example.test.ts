/**
 * examples/seed-vendor-names.yaml is loaded through the catalog loader as an operator would load it, so the
 * example cannot rot: every seed vendor's model name resolves, and its prices and failover routes hold.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadCatalogData } from '../../src/catalog/load.js';
import { imagePrice } from '../../src/billing/pricing.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/seed-vendor-names.yaml', import.meta.url));

// Every provider the example names configured, as an operator who set their keys would have it.
const ENV = {
  OPENAI_API_KEY: 'sk-openai',
  OPENAI_RELAY_KEY: 'sk-relay',
  GEMINI_API_KEY: 'g-key',
  DASHSCOPE_API_KEY: 'd-key',
  ARK_API_KEY: 'a-key',
  AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
  AZURE_OPENAI_API_KEY: 'az-key',
};

describe('examples/seed-vendor-names.yaml', () => {
  const catalog = new Catalog(loadCatalogData({ overlayFile: EXAMPLE }), ENV);

  it('resolves the model names of the seed vendors documents', () => {
    const names: Record<string, string> = {
      'tokenhub/gpt-image-2': 'gpt-image-2',
      'tokenhub/gemini-3.1-flash-image-preview': 'gemini-3.1-flash-image-preview',
      'gpt-image-2': 'gpt-image-2',
      'nano-banana': 'gemini-2.5-flash-image',
      'openai/dall-e-3': 'dall-e-3',
      'openai/dall-e-2': 'dall-e-2',
      'ark/doubao-seedream-4-0-250828': 'doubao-seedream-4-0-250828',
      'wan2.7-image-pro': 'wan2.7-image-pro',
      'wan2.6-t2i': 'wan2.6-t2i',
      'gemini-3.1-flash-image-preview': 'gemini-3.1-flash-image-preview',
    };
    expect(Object.fromEntries(Object.keys(names).map((n) => [n, catalog.resolve(n)?.id]))).toEqual(names);
  });

  it('sells gpt-image-2 per image by quality instead of by tokens', () => {
    const price = catalog.resolve('tokenhub/gpt-image-2')!.spec.price;
    expect(price.per_million_tokens).toBeUndefined();
    expect(imagePrice(price, { quality: 'low', size: '1024x1024' })).toBe(20_000);
    expect(imagePrice(price, { quality: 'high', size: '1024x1024' })).toBe(170_000);
    expect(imagePrice(price, { quality: 'high', size: '1536x1024' })).toBe(250_000);
  });

  it('gives gpt-image-2 and dall-e-3 a second route tried after the first fails', () => {
    const gpt = catalog.resolve('gpt-image-2')!.routes;
    expect(gpt.map((r) => [r.provider, r.priority, r.baseUrl])).toEqual([
      ['openai', 0, 'https://api.openai.com/v1'],
      ['openai', 1, 'https://openai-relay.example.com/v1'],
    ]);
    expect(gpt[1]!.apiKey).toBe('sk-relay');
    expect(catalog.resolve('dalle3')!.routes.map((r) => [r.provider, r.priority])).toEqual([
      ['openai', 0],
      ['azure', 1],
    ]);
  });

  it('leaves the relay route out while its key variable is unset', () => {
    const withoutRelay = new Catalog(loadCatalogData({ overlayFile: EXAMPLE }), { ...ENV, OPENAI_RELAY_KEY: undefined });
    expect(withoutRelay.resolve('gpt-image-2')!.routes.map((r) => r.baseUrl)).toEqual(['https://api.openai.com/v1']);
  });
});
