/** Imagen through the Gemini API: `models/imagen-…:predict` with the API key, sharing Vertex's Imagen mapping. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';
import { callContext, failure, thrown } from './job.js';
import { imageJob, upstreamRoute } from '../builders.js';

let fake: GeminiFake;
const adapter = createGeminiAdapter();

beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

const route = (model = 'imagen-4.0-generate-001') => upstreamRoute('gemini', `${fake.url}/v1beta`, model, { apiKey: fake.apiKey });
const job = (over = {}) => imageJob({ model: 'imagen-4.0-generate-001', prompt: 'a lighthouse', ...over });

describe('Imagen on the Gemini API', () => {
  it('posts :predict with x-goog-api-key and only the parameters the Gemini API takes', async () => {
    const r = await adapter.generate(job({ n: 3, params: { aspect_ratio: '9:16', person_generation: 'dont_allow' } }), route(), callContext());
    const sent = fake.requestsTo('/v1beta/models/imagen-4.0-generate-001:predict').at(-1)!;
    expect(sent.headers['x-goog-api-key']).toBe(fake.apiKey);
    expect(sent.json).toEqual({
      instances: [{ prompt: 'a lighthouse' }],
      parameters: { sampleCount: 3, aspectRatio: '9:16', personGeneration: 'dont_allow', includeRaiReason: true },
    });
    expect(r.images).toHaveLength(3);
    expect(r.images[0]!.size).toBe('768x1408');
  });

  it('refuses a field only Vertex takes before the hold, naming it', () => {
    expect(thrown(() => adapter.validate!(job({ params: { seed: 7 } }), route()))).toMatchObject({ status: 400, param: 'seed' });
    expect(thrown(() => adapter.validate!(job({ params: { watermark: false } }), route()))).toMatchObject({ status: 400, param: 'watermark' });
  });

  it('maps filtered images to a partial delivery, and all filtered to content_policy_violation', async () => {
    fake.imagen.filterNext = 1;
    expect(await adapter.generate(job({ n: 2 }), route(), callContext())).toMatchObject({ failedCount: 1 });
    fake.imagen.filterNext = 1;
    expect(await failure(adapter.generate(job(), route(), callContext()))).toMatchObject({ code: 'content_policy_violation' });
  });

  it('is a retryable 502 when the API key is refused, without quoting Google', async () => {
    const e = await failure(adapter.generate(job(), { ...route(), apiKey: 'AIzaWrongKey000000000000000000000000000' }, callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).not.toContain('API key not valid');
  });
});
