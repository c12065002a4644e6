/** Gemini image models on Vertex AI: the Gemini adapter's generateContent on the Vertex host with a bearer token. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callContext, failure, startVertex, type VertexSetup, vertexRoute } from './job.js';
import { imageJob } from '../builders.js';

let s: VertexSetup;

beforeAll(async () => {
  s = await startVertex();
});
afterAll(async () => {
  await s?.close();
});
beforeEach(() => s.vertex.reset());

const banana = (over = {}) => imageJob({ model: 'gemini-2.5-flash-image', prompt: 'a banana on a desk', ...over });

describe('Gemini on Vertex AI', () => {
  it('posts the Gemini body to the publisher model generateContent with a bearer token, not an API key', async () => {
    const r = await s.adapter.generate(banana({ params: { aspect_ratio: '16:9' } }), vertexRoute(s, 'gemini-2.5-flash-image'), callContext());
    expect(s.vertex.calls.at(-1)).toEqual({
      project: s.account.projectId,
      location: 'us-central1',
      model: 'gemini-2.5-flash-image',
      method: 'generateContent',
    });
    const sent = s.vertex.requests.at(-1)!;
    expect(sent.headers['x-goog-api-key']).toBeUndefined();
    expect(String(sent.headers.authorization)).toMatch(/^Bearer ya29\./);
    expect(sent.json).toMatchObject({ generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } } });
    expect(r.images[0]!.size).toBe('1344x768');
    expect(r.usage?.outputImageTokens).toBe(1290);
  });

  it('streams through streamGenerateContent on Vertex when the client reads a stream', async () => {
    const deltas: unknown[] = [];
    await s.adapter.generate(banana(), vertexRoute(s, 'gemini-2.5-flash-image'), callContext(10_000, { onDelta: (d) => deltas.push(d) }));
    expect(s.vertex.calls.at(-1)!.method).toBe('streamGenerateContent');
    expect(deltas.length).toBeGreaterThan(0);
  });

  it('calls Gemini 3 Pro Image in the global location its route names, on the global host', async () => {
    await s.adapter.generate(
      imageJob({ model: 'gemini-3-pro-image-preview', prompt: 'a fox' }),
      vertexRoute(s, 'gemini-3-pro-image-preview', { options: { location: 'global' } }),
      callContext(),
    );
    expect(s.vertex.calls.at(-1)!.location).toBe('global');
  });

  it('maps a blocked prompt to content_policy_violation, as on the Gemini API', async () => {
    s.vertex.blockPromptNext('SAFETY');
    expect(await failure(s.adapter.generate(banana(), vertexRoute(s, 'gemini-2.5-flash-image'), callContext()))).toMatchObject({
      code: 'content_policy_violation',
      status: 400,
    });
  });

  it('names Vertex AI, not the Gemini API, in its errors', async () => {
    s.vertex.errorNext(503, 'UNAVAILABLE', 'The service is currently unavailable.');
    const e = await failure(s.adapter.generate(banana(), vertexRoute(s, 'gemini-2.5-flash-image'), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(e.message).toMatch(/^Vertex AI/);
  });
});
