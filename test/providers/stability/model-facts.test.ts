/** The Stability adapter judges a job by the catalog model of its route: an overlay that narrows a fact narrows the adapter. */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import type { Route } from '../../../src/domain/adapter.js';
import { createStabilityAdapter } from '../../../src/providers/stability/adapter.js';
import { createXaiAdapter } from '../../../src/providers/xai/adapter.js';
import { imageJob, thrown } from '../builders.js';

const KEYS = { STABILITY_API_KEY: 'k', XAI_API_KEY: 'k' };
const routeOf = (model: string, overlay = ''): Route => new Catalog(loadCatalogData({ overlayText: overlay }), KEYS).resolve(model)!.routes[0]!;

describe('Stability and xAI adapters read model facts from the catalog', () => {
  it('Stability: a narrower output_format list in the catalog is what the adapter accepts', () => {
    const job = imageJob({ model: 'stable-image-core', params: { output_format: 'jpeg' } });
    const adapter = createStabilityAdapter();
    expect(() => adapter.validate!(job, routeOf('stable-image-core'))).not.toThrow();
    expect(
      thrown(() => adapter.validate!(job, routeOf('stable-image-core', 'models: { stable-image-core: { fields: { output_format: { values: [png] } } } }')))
        .param,
    ).toBe('output_format');
  });

  it('Stability: a field the catalog model does not list is refused, though the service defines it', () => {
    const overlay =
      'models: { my-core: { owned_by: me, routes: [{ provider: stability, upstream_model: core }], operations: { text-to-image: { endpoint: /v1/images/generations } }, fields: { aspect_ratio: { values: ["1:1"] } } } }';
    const adapter = createStabilityAdapter();
    expect(() => adapter.validate!(imageJob({ model: 'stable-image-core', params: { style_preset: 'anime' } }), routeOf('stable-image-core'))).not.toThrow();
    expect(thrown(() => adapter.validate!(imageJob({ model: 'my-core', params: { style_preset: 'anime' } }), routeOf('my-core', overlay))).param).toBe(
      'style_preset',
    );
  });

  it('Stability and xAI: a catalog max n is the adapter max n', () => {
    const stability = imageJob({ model: 'stable-image-core', n: 3 });
    expect(
      thrown(() => createStabilityAdapter().validate!(stability, routeOf('stable-image-core', 'models: { stable-image-core: { n: { max: 2 } } }'))).param,
    ).toBe('n');
    const xai = imageJob({ model: 'grok-imagine-image', n: 3 });
    expect(thrown(() => createXaiAdapter().validate!(xai, routeOf('grok-imagine-image', 'models: { grok-imagine-image: { n: { max: 2 } } }'))).param).toBe('n');
  });
});
