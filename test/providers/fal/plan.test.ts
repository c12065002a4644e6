import { describe, expect, it } from 'vitest';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { createFalAdapter } from '../../../src/providers/fal/adapter.js';
import { catalogFacts, upstreamRoute } from '../builders.js';
import { inputImage, job, thrown } from './job.js';

const adapter = createFalAdapter();
const route = (model: string, upstream: string, options: Record<string, string> = {}) =>
  upstreamRoute('fal', 'https://queue.fal.run', upstream, { model: catalogFacts(model), options });

describe('fal: catalog', () => {
  it('offers the fal models on the fal provider, keyed by FAL_KEY, each naming its fal model id', () => {
    const data = loadCatalogData();
    expect(data.providers.fal).toMatchObject({ key_env: 'FAL_KEY', base_url_env: 'FAL_BASE_URL', default_base_url: 'https://queue.fal.run' });
    expect(data.models['fal-flux-dev']?.routes[0]).toMatchObject({ provider: 'fal', upstream_model: 'fal-ai/flux/dev' });
    expect(data.models['fal-recraft-v3']?.routes[0]?.options).toEqual({ 'input.n': 'none', size_format: 'enum' });
  });
});

describe('fal: validate and route options', () => {
  it('refuses n above 1 on a model whose mapping has no n input, naming n', () => {
    const e = thrown(() =>
      adapter.validate!(job({ model: 'fal-recraft-v3', n: 2 }), route('fal-recraft-v3', 'fal-ai/recraft/v3/text-to-image', { 'input.n': 'none' })),
    );
    expect([e.code, e.param]).toEqual(['invalid_request', 'n']);
  });

  it("refuses a size fal's enum has no name for when the route says size_format enum", () => {
    const r = route('fal-recraft-v3', 'fal-ai/recraft/v3/text-to-image', { size_format: 'enum' });
    expect(thrown(() => adapter.validate!(job({ model: 'fal-recraft-v3', params: { size: '640x640' } }), r)).param).toBe('size');
  });

  it('refuses an image on a model that takes none, naming the field it came in', async () => {
    const img = await inputImage('image_url', 32, 32);
    const r = route('fal-recraft-v3', 'fal-ai/recraft/v3/text-to-image', { 'input.image': 'none' });
    expect(thrown(() => adapter.validate!(job({ model: 'fal-recraft-v3', operation: 'image-to-image', images: [img] }), r)).param).toBe('image_url');
  });

  it('refuses at start a route option that names no canonical field, or a bad size_format', () => {
    expect(adapter.checkRoute!(route('fal-flux-dev', 'fal-ai/flux/dev', { 'input.colour': 'x' }))).toContain('names no canonical field');
    expect(adapter.checkRoute!(route('fal-flux-dev', 'fal-ai/flux/dev', { size_format: 'pixels' }))).toContain('size_format');
    expect(adapter.checkRoute!(route('fal-flux-dev', 'fal-ai/flux/dev', { 'input.images': 'image_urls' }))).toBeUndefined();
  });

  it('refuses a route whose upstream model is no fal model id', () => {
    expect(thrown(() => adapter.validate!(job(), route('fal-flux-dev', 'flux-dev'))).param).toBe('model');
  });
});
