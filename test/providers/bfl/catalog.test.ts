import { describe, expect, it } from 'vitest';
import { loadCatalogData } from '../../../src/catalog/load.js';

describe('bfl catalog', () => {
  it("offers the five FLUX models on the bfl provider, keyed by BFL_API_KEY and BFL_BASE_URL, at most BFL's 24 active tasks", () => {
    const data = loadCatalogData();
    expect(data.providers.bfl).toMatchObject({
      key_env: 'BFL_API_KEY',
      base_url_env: 'BFL_BASE_URL',
      default_base_url: 'https://api.bfl.ai',
      max_concurrency: 24,
    });
    const prices = Object.fromEntries(
      ['flux-pro-1.1', 'flux-pro-1.1-ultra', 'flux-dev', 'flux-kontext-pro', 'flux-kontext-max'].map((id) => [id, data.models[id]?.price.per_image]),
    );
    expect(prices).toEqual({ 'flux-pro-1.1': 40000, 'flux-pro-1.1-ultra': 60000, 'flux-dev': 25000, 'flux-kontext-pro': 40000, 'flux-kontext-max': 80000 });
  });
});
