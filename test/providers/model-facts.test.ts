/**
 * Each model fact lives once, in the catalog: an adapter judges a job by the facts of the catalog model its
 * route serves, so an overlay that changes a fact changes what the adapter accepts, with no table of the
 * adapter's own to disagree.
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadCatalogData } from '../../src/catalog/load.js';
import type { ImageJob } from '../../src/domain/job.js';
import { createArkAdapter } from '../../src/providers/ark/adapter.js';
import { createDashScopeAdapter } from '../../src/providers/dashscope/adapter.js';
import { createGeminiAdapter } from '../../src/providers/gemini/adapter.js';
import { createLocalAdapter } from '../../src/providers/local/adapter.js';
import { createOpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { ProviderAdapter, Route } from '../../src/domain/adapter.js';
import { failure, imageJob, inputImage } from './builders.js';

const KEYS = { OPENAI_API_KEY: 'x', GEMINI_API_KEY: 'x', DASHSCOPE_API_KEY: 'x', ARK_API_KEY: 'x' };

/** The route to `model` in the built-in catalog with `overlay` merged over it. */
function routeOf(model: string, overlay: string): Route {
  const route = new Catalog(loadCatalogData({ overlayText: overlay }), KEYS).resolve(model)?.routes[0];
  if (!route) throw new Error(`no route to ${model}`);
  return route;
}

/** The field an adapter refuses the job on under the overlay; the job passes without it. */
async function refusedField(adapter: ProviderAdapter, job: ImageJob, overlay: string): Promise<string | null | undefined> {
  expect(() => adapter.validate!(job, routeOf(job.model, ''))).not.toThrow();
  return (await failure(() => adapter.validate!(job, routeOf(job.model, overlay)))).param;
}

describe('adapters read model facts from the catalog model of their route', () => {
  it('OpenAI: a narrower gpt-image-2 size rule in the catalog narrows what the adapter sends', async () => {
    const overlay = 'models: { gpt-image-2: { sizes: { rule: { max_width: 2048, max_height: 2048 } } } }';
    expect(await refusedField(createOpenAIAdapter(), imageJob({ model: 'gpt-image-2', params: { size: '3072x1024' } }), overlay)).toBe('size');
  });

  it('OpenAI: a catalog max n is the adapter max n', async () => {
    const overlay = 'models: { gpt-image-1: { n: { max: 2 } } }';
    expect(await refusedField(createOpenAIAdapter(), imageJob({ model: 'gpt-image-1', n: 4 }), overlay)).toBe('n');
  });

  it('Ark: resolution tiers are the catalog model resolution values', async () => {
    const overlay = 'models: { doubao-seedream-4-0-250828: { fields: { resolution: { values: [2K, 4K] } } } }';
    expect(await refusedField(createArkAdapter(), imageJob({ model: 'doubao-seedream-4-0-250828', params: { resolution: '1K' } }), overlay)).toBe('resolution');
  });

  it('Ark: the reference image limit is the catalog operation max_images', async () => {
    const refs = await Promise.all([0, 1, 2].map((i) => inputImage(`image_urls[${i}]`, 64, 48)));
    const overlay = 'models: { doubao-seedream-4-0-250828: { operations: { image-to-image: { images: { max_images: 2 } } } } }';
    const job = imageJob({ model: 'doubao-seedream-4-0-250828', operation: 'image-to-image', images: refs });
    expect(await refusedField(createArkAdapter(), job, overlay)).toBe('image_urls');
  });

  it('DashScope: the wan2.2 size rule is the catalog rule', async () => {
    const overlay = 'models: { wan2.2-t2i-flash: { sizes: { rule: { max_width: 1024, max_height: 1024 } } } }';
    expect(await refusedField(createDashScopeAdapter(), imageJob({ model: 'wan2.2-t2i-flash', params: { size: '1280x720' } }), overlay)).toBe('size');
  });

  it('DashScope: the aspect ratios are those the catalog offers', async () => {
    const overlay = 'models: { qwen-image-plus: { fields: { aspect_ratio: { values: ["1:1"] } } } }';
    expect(await refusedField(createDashScopeAdapter(), imageJob({ model: 'qwen-image-plus', params: { aspect_ratio: '16:9' } }), overlay)).toBe(
      'aspect_ratio',
    );
  });

  it('Gemini: the reference limit and the tiers are the catalog model', async () => {
    const refs = await Promise.all([0, 1, 2].map((i) => inputImage(`image_urls[${i}]`, 64, 64)));
    const limited = 'models: { gemini-3-pro-image-preview: { operations: { image-to-image: { images: { max_images: 2 } } } } }';
    const job = imageJob({ model: 'gemini-3-pro-image-preview', operation: 'image-to-image', images: refs });
    expect(await refusedField(createGeminiAdapter(), job, limited)).toBe('image_urls[0]');
    const tiers = 'models: { gemini-3-pro-image-preview: { fields: { resolution: { values: [1K, 2K] } } } }';
    expect(await refusedField(createGeminiAdapter(), imageJob({ model: 'gemini-3-pro-image-preview', params: { resolution: '4K' } }), tiers)).toBe(
      'resolution',
    );
  });

  it('local: the side bounds are the catalog size rule', async () => {
    const overlay = 'models: { local: { sizes: { rule: { max_width: 1024, max_height: 1024 } } } }';
    expect(await refusedField(createLocalAdapter(), imageJob({ model: 'local', params: { size: '2048x2048' } }), overlay)).toBe('size');
  });
});
