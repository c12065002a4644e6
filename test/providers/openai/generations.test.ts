import { type Base64Text, decodeBase64 } from '../../../src/bytes/base64.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { imageSize } from '../../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { callContext, FAKE_KEY, job, routeTo } from './job.js';

let fake: OpenAIFake;
const adapter = createOpenAIAdapter();

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const sentBody = () => fake.requestsTo('/v1/images/generations')[0]!.json;
const decoded = (b64: Base64Text) => imageSize(decodeBase64(b64));

describe('openai generations: the JSON request', () => {
  it('sends gpt-image-1 quality, background, output_format, output_compression and moderation under the same names, with the bearer key', async () => {
    const params = { size: '1536x1024', quality: 'high', background: 'opaque', output_format: 'webp' as const, output_compression: 80, moderation: 'low' };
    await adapter.generate(job({ n: 2, params, user: 'user-42' }), routeTo(fake.url), callContext());
    const req = fake.requestsTo('/v1/images/generations')[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({ model: 'gpt-image-1', prompt: 'a red fox in snow', n: 2, ...params, user: 'user-42' });
  });

  it('sends route.upstreamModel as model, not the catalog id', async () => {
    await adapter.generate(job({ model: 'my-house-model' }), routeTo(fake.url, 'gpt-image-1.5'), callContext());
    expect(sentBody()).toMatchObject({ model: 'gpt-image-1.5' });
  });

  it('never sends response_format to a GPT image model, even when the client wants urls, and returns b64', async () => {
    const r = await adapter.generate(job({ responseFormat: 'url' }), routeTo(fake.url), callContext());
    expect(sentBody()).not.toHaveProperty('response_format');
    expect(r.images[0]!.payload.kind).toBe('b64');
  });

  it('asks dall-e-3 for url results with style and quality, and returns them as remote payloads with the revised prompt', async () => {
    const j = job({ model: 'dall-e-3', params: { size: '1792x1024', quality: 'hd', style: 'natural' }, responseFormat: 'url' });
    const r = await adapter.generate(j, routeTo(fake.url, 'dall-e-3'), callContext());
    expect(sentBody()).toEqual({
      model: 'dall-e-3',
      prompt: 'a red fox in snow',
      n: 1,
      size: '1792x1024',
      quality: 'hd',
      style: 'natural',
      response_format: 'url',
    });
    const image = r.images[0]!;
    expect(image.revisedPrompt).toBe('revised: a red fox in snow');
    if (image.payload.kind !== 'remote') throw new Error(`expected a remote payload, got ${image.payload.kind}`);
    expect(image.payload.url.startsWith(`${fake.url}/files/`)).toBe(true);
    const served = Buffer.from(await (await fetch(image.payload.url)).arrayBuffer());
    expect(await imageSize(served)).toMatchObject({ width: 1792, height: 1024, format: 'png' });
  });

  it('asks dall-e-2 for b64_json when the client wants b64_json and labels the PNG', async () => {
    const r = await adapter.generate(job({ model: 'dall-e-2', n: 3, params: { size: '256x256' } }), routeTo(fake.url, 'dall-e-2'), callContext());
    expect(sentBody()).toEqual({ model: 'dall-e-2', prompt: 'a red fox in snow', n: 3, size: '256x256', response_format: 'b64_json' });
    expect(r.images).toHaveLength(3);
    const payload = r.images[0]!.payload;
    if (payload.kind !== 'b64') throw new Error(`expected b64, got ${payload.kind}`);
    expect(payload.mime).toBe('image/png');
    expect(await decoded(payload.b64)).toMatchObject({ width: 256, height: 256, format: 'png' });
  });

  it('turns aspect_ratio 3:2 into size 1536x1024 for a GPT image model', async () => {
    await adapter.generate(job({ params: { aspect_ratio: '3:2' } }), routeTo(fake.url), callContext());
    expect(sentBody()).toEqual({ model: 'gpt-image-1', prompt: 'a red fox in snow', n: 1, size: '1536x1024' });
  });

  it('turns aspect_ratio 7:4 into size 1792x1024 for dall-e-3', async () => {
    await adapter.generate(job({ model: 'dall-e-3', params: { aspect_ratio: '7:4' } }), routeTo(fake.url, 'dall-e-3'), callContext());
    expect(sentBody()).toMatchObject({ size: '1792x1024' });
  });

  it('sends gpt-image-2 a free-form size and gets an image of exactly that size', async () => {
    const r = await adapter.generate(job({ model: 'gpt-image-2', params: { size: '2048x1152' } }), routeTo(fake.url, 'gpt-image-2'), callContext());
    expect(sentBody()).toMatchObject({ model: 'gpt-image-2', size: '2048x1152' });
    const payload = r.images[0]!.payload;
    if (payload.kind !== 'b64') throw new Error('expected b64');
    expect(await decoded(payload.b64)).toMatchObject({ width: 2048, height: 1152 });
    expect(r.images[0]!.size).toBe('2048x1152');
  });

  it("sends the route's organization and project options as OpenAI-Organization and OpenAI-Project headers", async () => {
    await adapter.generate(job(), routeTo(fake.url, 'gpt-image-1', { options: { organization: 'org-abc', project: 'proj_xyz' } }), callContext());
    const headers = fake.requests[0]!.headers;
    expect([headers['openai-organization'], headers['openai-project']]).toEqual(['org-abc', 'proj_xyz']);
  });

  it('sends no organization header when the route has none', async () => {
    await adapter.generate(job(), routeTo(fake.url), callContext());
    expect(fake.requests[0]!.headers).not.toHaveProperty('openai-organization');
  });

  it('accepts a base URL written with a trailing slash', async () => {
    await adapter.generate(job(), routeTo(fake.url, 'gpt-image-1', { baseUrl: `${fake.url}/v1/` }), callContext());
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/images/generations']);
  });
});
