/** What the 404 and the start-up log say would offer a model: per route, every variable it still lacks. */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadCatalogData } from '../../src/catalog/load.js';
import { modelNotFound, unofferedModels } from '../../src/catalog/unoffered.js';

describe('models not offered', () => {
  it('names an Azure route by its endpoint and its key, since it needs both', () => {
    const none = new Catalog(loadCatalogData(), {});
    expect(unofferedModels(none)['dall-e-3']).toBe('OPENAI_API_KEY or AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY');
    const endpointOnly = new Catalog(loadCatalogData(), { AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com' });
    expect(unofferedModels(endpointOnly)['dall-e-3']).toBe('OPENAI_API_KEY or AZURE_OPENAI_API_KEY');
  });

  it('leaves out the models a configured provider offers', () => {
    const models = unofferedModels(new Catalog(loadCatalogData(), { OPENAI_API_KEY: 'sk-x' }));
    expect(models).not.toHaveProperty('dall-e-3');
    expect(models).not.toHaveProperty('local');
    expect(models['gemini-3.1-flash-image-preview']).toBe('GEMINI_API_KEY');
  });

  it('words the 404 by the catalog model behind an alias, a snapshot or a provider prefix', () => {
    const c = new Catalog(loadCatalogData(), {});
    for (const name of ['nano-banana', 'google/gemini-2.5-flash-image']) {
      expect(modelNotFound(c, name).message).toBe(
        `The model "${name}" is not offered on this gateway: its provider is not configured (the operator sets GEMINI_API_KEY or GOOGLE_APPLICATION_CREDENTIALS to offer it). See GET /v1/models?recommended_for=image for the models offered.`,
      );
    }
    expect(modelNotFound(c, 'gpt-image-2-2026-04-21').message).toContain('the operator sets OPENAI_API_KEY to offer it');
    expect(modelNotFound(c, 'no-such-model')).toMatchObject({ code: 'model_not_found', status: 404, param: 'model' });
  });
});
