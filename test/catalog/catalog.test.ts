import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { CatalogError, loadCatalogData } from '../../src/catalog/load.js';
import { tempDir } from '../support/databases.js';

describe('catalog loading', () => {
  it('offers only the local model when no provider key is set', () => {
    const c = new Catalog(loadCatalogData(), {});
    expect(c.list().map((m) => m.id)).toEqual(['local']);
  });

  it('offers the OpenAI models with their contracts when OPENAI_API_KEY is set, at the real endpoint by default', () => {
    const c = new Catalog(loadCatalogData(), { OPENAI_API_KEY: 'sk-x' });
    const d3 = c.resolve('dall-e-3')!;
    expect(d3.spec.n.max).toBe(1);
    expect(d3.spec.prompt.max_length).toBe(4000);
    expect(d3.routes[0]).toMatchObject({ provider: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-x', upstreamModel: 'dall-e-3' });
    expect(c.resolve('dall-e-2')!.spec.sizes!.values).toEqual(['256x256', '512x512', '1024x1024']);
  });

  it('resolves aliases and provider-prefixed names', () => {
    const c = new Catalog(loadCatalogData(), { OPENAI_API_KEY: 'sk-x' });
    expect(c.resolve('openai/dall-e-3')?.id).toBe('dall-e-3');
    expect(c.resolve('chatgpt-image-latest')?.id).toBe('gpt-image-2');
    expect(c.resolve('nobody/dall-e-3')).toBeUndefined();
  });

  it('merges an overlay: new aliases, a changed price, a new model', () => {
    const data = loadCatalogData({
      overlayText: `
aliases:
  tokenhub/gpt-image-2: gpt-image-2
models:
  gpt-image-1:
    price: { per_image: 99 }
  house-local:
    owned_by: acme
    routes: [{ provider: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
`,
    });
    const c = new Catalog(data, { OPENAI_API_KEY: 'sk-x' });
    expect(c.resolve('tokenhub/gpt-image-2')?.id).toBe('gpt-image-2');
    expect(c.resolve('gpt-image-1')!.spec.price.per_image).toBe(99);
    expect(c.resolve('gpt-image-1')!.spec.n.max).toBe(10);
    expect(c.resolve('house-local')!.routes[0]!.provider).toBe('local');
  });

  it("replaces a token-priced model's price whole with an overlay's per-image price (a reseller's choice)", () => {
    const data = loadCatalogData({ overlayText: 'models:\n  gpt-image-2:\n    price: { per_image_by: { low: 10000, high: 200000 } }\n' });
    expect(data.models['gpt-image-2']!.price).toEqual({ per_image_by: { low: 10000, high: 200000 } });
    expect(data.models['gpt-image-1']!.price.per_million_tokens).toBeDefined();
  });

  it('refuses a token price that gives no output tokens to hold its images at', () => {
    const overlay = 'models:\n  gpt-image-2:\n    price: { per_million_tokens: { output_image: 30000000 } }\n';
    expect(() => loadCatalogData({ overlayText: overlay })).toThrow(/models\.gpt-image-2\.price\.tokens\.output_image: a price per output image token needs/);
  });

  it('reports an invalid overlay with the file, the path and the problem', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'models:\n  gpt-image-1:\n    n: { max: "ten" }\n');
    expect(() => loadCatalogData({ overlayFile: file })).toThrow(CatalogError);
    try {
      loadCatalogData({ overlayFile: file });
    } catch (e) {
      expect((e as Error).message).toContain(file);
      expect((e as Error).message).toContain('models.gpt-image-1.n.max');
    }
  });

  it('reports a route to an unknown provider and an alias to an unknown model', () => {
    expect(() => loadCatalogData({ overlayText: 'models:\n  x:\n    owned_by: a\n    routes: [{ provider: nope }]\n    operations: {}\n' })).toThrow(
      /models\.x\.routes\.0\.provider: unknown provider "nope"/,
    );
    expect(() => loadCatalogData({ overlayText: 'aliases:\n  foo: not-a-model\n' })).toThrow(/aliases\.foo: points to unknown model/);
  });
});

describe('dated snapshots', () => {
  it('resolves a snapshot the spec lists as a model of its own, sent upstream as the snapshot, with its model contract and price', () => {
    const c = new Catalog(loadCatalogData(), { OPENAI_API_KEY: 'sk-x' });
    const snap = c.resolve('gpt-image-2-2026-04-21')!;
    const base = c.resolve('gpt-image-2')!;
    expect([snap.id, snap.snapshotOf, snap.routes[0]!.upstreamModel, snap.routes[0]!.id]).toEqual([
      'gpt-image-2-2026-04-21',
      'gpt-image-2',
      'gpt-image-2-2026-04-21',
      'gpt-image-2-2026-04-21#0:openai',
    ]);
    expect(snap.spec.price).toEqual(base.spec.price);
    expect(snap.spec.fields).toEqual(base.spec.fields);
    expect(base.routes[0]!.upstreamModel).toBe('gpt-image-2');
    expect(c.resolve('openai/gpt-image-1.5-2025-12-16')?.snapshotOf).toBe('gpt-image-1.5');
    expect(c.list().map((m) => m.id)).toEqual(expect.arrayContaining(['gpt-image-2', 'gpt-image-2-2026-04-21', 'gpt-image-1.5-2025-12-16']));
  });

  it('knows a snapshot whose provider is not configured, and keeps an operator route`s own upstream model for it', () => {
    expect(new Catalog(loadCatalogData(), {}).isKnownButUnavailable('gpt-image-2-2026-04-21')).toBe(true);
    const data = loadCatalogData({ overlayText: 'models:\n  gpt-image-2:\n    routes: [{ provider: openai, upstream_model: my-deployment }]\n' });
    expect(new Catalog(data, { OPENAI_API_KEY: 'sk-x' }).resolve('gpt-image-2-2026-04-21')!.routes[0]!.upstreamModel).toBe('my-deployment');
  });

  it('refuses a snapshot id that is already a model id or another model`s snapshot', () => {
    const clash = (overlayText: string) => {
      try {
        loadCatalogData({ overlayText });
      } catch (e) {
        return (e as CatalogError).message;
      }
      throw new Error('loaded');
    };
    expect(clash('models:\n  gpt-image-1:\n    snapshots: [dall-e-3]\n')).toBe(
      '<inline config>: models.gpt-image-1.snapshots.0: "dall-e-3" is already a model id',
    );
    expect(clash('models:\n  gpt-image-1:\n    snapshots: [gpt-image-2-2026-04-21]\n')).toMatch(/is already a snapshot of "gpt-image-2"$/);
  });
});
