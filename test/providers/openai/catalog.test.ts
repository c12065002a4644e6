import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { fieldsFor } from '../../../src/catalog/contract.js';
import type { ImageJob, ImageParams, InputImage, Operation } from '../../../src/domain/job.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { inputImage, job, thrown } from './job.js';

const MODELS = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini', 'dall-e-3', 'dall-e-2'];
const withKey = () => new Catalog(loadCatalogData(), { OPENAI_API_KEY: 'x' });
const adapter = createOpenAIAdapter();

/**
 * Fields 00-core.yaml lists model-wide that OpenAI takes on fewer endpoints: the adapter refuses them there
 * with a 400 (see the report to move them into the operations' own `fields`).
 */
const NOT_ON: Partial<Record<Operation, readonly string[]>> = { variation: ['quality'] };

/** Fields that only make sense next to another one. */
const COMPANIONS: Record<string, ImageParams> = { output_compression: { output_format: 'webp' } };

let square: InputImage;
beforeAll(async () => {
  square = await inputImage('image', 64, 64);
});

function jobFor(id: string, operation: Operation, params: ImageParams): ImageJob {
  return job({ model: id, operation, params, images: operation === 'text-to-image' ? [] : [square], prompt: operation === 'variation' ? '' : 'a fox' });
}

describe('openai catalog entries', () => {
  it('offers every OpenAI model at the real endpoint when OPENAI_API_KEY is set', () => {
    const c = withKey();
    for (const id of MODELS) {
      const m = c.resolve(id)!;
      expect(m.id).toBe(id);
      expect(m.routes).toEqual([expect.objectContaining({ provider: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'x', upstreamModel: id })]);
    }
  });

  it('offers none of them without OPENAI_API_KEY, though it knows the names', () => {
    const c = new Catalog(loadCatalogData(), {});
    for (const id of [...MODELS, 'chatgpt-image-latest']) {
      expect(c.resolve(id)).toBeUndefined();
      expect(c.isKnownButUnavailable(id)).toBe(true);
    }
  });

  it('points at OPENAI_BASE_URL when it is set, and resolves openai/ names and the chatgpt-image-latest alias', () => {
    const c = new Catalog(loadCatalogData(), { OPENAI_API_KEY: 'x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(c.resolve('openai/gpt-image-1')!.routes[0]!.baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(c.resolve('chatgpt-image-latest')!.id).toBe('gpt-image-2');
  });

  it('lists only what the adapter can send: every size and field value of every operation passes validate', () => {
    const c = withKey();
    let checked = 0;
    for (const id of MODELS) {
      const m = c.resolve(id)!;
      const route = m.routes[0]!;
      for (const op of Object.keys(m.spec.operations) as Operation[]) {
        for (const size of m.spec.sizes?.values ?? []) {
          adapter.validate!(jobFor(id, op, { size }), route);
          checked++;
        }
        for (const [field, rule] of Object.entries(fieldsFor(m, op))) {
          if (NOT_ON[op]?.includes(field)) continue;
          const values = rule.values ?? [rule.min ?? 0, rule.max ?? 0];
          for (const value of values) {
            adapter.validate!(jobFor(id, op, { ...COMPANIONS[field], [field]: value }), route);
            checked++;
          }
        }
        adapter.validate!(jobFor(id, op, {}), route);
        adapter.validate!({ ...jobFor(id, op, {}), n: m.spec.n.max }, route);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses the model-wide fields OpenAI does not take on an operation (quality on variations)', () => {
    const c = withKey();
    const dalle2 = c.resolve('dall-e-2')!;
    expect(thrown(() => adapter.validate!(jobFor('dall-e-2', 'variation', { quality: 'standard' }), dalle2.routes[0]!)).param).toBe('quality');
  });

  it('prices only qualities and sizes the model lists', () => {
    const c = withKey();
    for (const id of MODELS) {
      const spec = c.resolve(id)!.spec;
      const qualities = (spec.fields.quality?.values ?? []).map(String);
      const sizes = spec.sizes?.values ?? [];
      for (const key of [...Object.keys(spec.price.per_image_by ?? {}), ...Object.keys(spec.price.tokens?.output_image ?? {})]) {
        for (const part of key.split('/')) expect([...qualities, ...sizes], `${id} price key ${key}`).toContain(part);
      }
      // Priced per image (DALL·E) or by tokens with an output table (GPT Image): never free.
      if (spec.price.per_million_tokens) expect(spec.price.per_million_tokens.output_image, id).toBeGreaterThan(0);
      else expect(spec.price.per_image, id).toBeGreaterThan(0);
    }
  });
});
