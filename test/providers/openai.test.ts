import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/core/errors.js';
import type { ImageJob, InputImage } from '../../src/core/job.js';
import { createOpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { Route } from '../../src/providers/types.js';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';

let fake: OpenAIFake;
const adapter = createOpenAIAdapter();
const route = (model: string, key = 'sk-fake-openai'): Route => ({ id: 'r', provider: 'openai', baseUrl: `${fake.url}/v1`, apiKey: key, upstreamModel: model, priority: 0, weight: 1, options: {} });
const ctx = (ms = 10_000) => ({ signal: new AbortController().signal, deadline: Date.now() + ms, requestId: 'req_test' });
const job = (over: Partial<ImageJob> = {}): ImageJob => ({ requestId: 'req_test', model: 'gpt-image-1', operation: 'text-to-image', prompt: 'a cat', n: 1, params: {}, images: [], responseFormat: 'b64_json', ...over });
const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as GatewayError,
  );

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('openai adapter: generations', () => {
  it('sends every GPT image field of the job and maps b64 images, usage and meta', async () => {
    const r = await adapter.generate(
      job({ n: 2, params: { size: '1536x1024', quality: 'high', background: 'transparent', output_format: 'webp', output_compression: 80, moderation: 'low' }, user: 'u1' }),
      route('gpt-image-1'),
      ctx(),
    );
    const sent = fake.requestsTo('/v1/images/generations')[0]!;
    expect(sent.headers.authorization).toBe('Bearer sk-fake-openai');
    expect(sent.json).toEqual({ model: 'gpt-image-1', prompt: 'a cat', n: 2, size: '1536x1024', quality: 'high', background: 'transparent', output_format: 'webp', output_compression: 80, moderation: 'low', user: 'u1' });
    expect(r.images).toHaveLength(2);
    expect(r.images[0]!.payload).toMatchObject({ kind: 'b64', mime: 'image/webp' });
    expect(r.usage).toMatchObject({ inputTextTokens: 40, inputImageTokens: 10, outputImageTokens: 2112, totalTokens: 2162 });
    expect(r.meta).toMatchObject({ size: '1536x1024', quality: 'high' });
    expect(r.upstreamRequestId).toMatch(/^req_/);
  });

  it('asks dall-e-3 for url results with style and keeps the revised prompt, as a remote payload', async () => {
    const r = await adapter.generate(job({ model: 'dall-e-3', params: { style: 'natural', quality: 'hd', size: '1024x1024' }, responseFormat: 'url' }), route('dall-e-3'), ctx());
    expect(fake.requests[0]!.json).toMatchObject({ style: 'natural', quality: 'hd', response_format: 'url' });
    expect(r.images[0]!.payload.kind).toBe('remote');
    expect(r.images[0]!.revisedPrompt).toBe('revised: a cat');
  });

  it('never sends response_format to GPT image models', async () => {
    await adapter.generate(job({ responseFormat: 'url' }), route('gpt-image-1'), ctx());
    expect(fake.requests[0]!.json).not.toHaveProperty('response_format');
  });

  it('maps moderation_blocked to 400 content_policy_violation, not retryable', async () => {
    fake.moderateNext = 1;
    const e = await fail(adapter.generate(job(), route('gpt-image-1'), ctx()));
    expect([e.code, e.status, e.retryable]).toEqual(['content_policy_violation', 400, false]);
  });

  it('maps an empty data list to no_image_generated', async () => {
    fake.emptyNext = 1;
    expect((await fail(adapter.generate(job(), route('gpt-image-1'), ctx()))).code).toBe('no_image_generated');
  });

  it('reports fewer images than asked as failedCount', async () => {
    fake.fewerNext = 1;
    const r = await adapter.generate(job({ n: 3 }), route('gpt-image-1'), ctx());
    expect(r.images).toHaveLength(2);
    expect(r.failedCount).toBe(1);
  });

  it('maps a 500 to a retryable 502 upstream_error', async () => {
    fake.knobs.failNext = 1;
    const e = await fail(adapter.generate(job(), route('gpt-image-1'), ctx()));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
  });

  it('maps 429 with Retry-After to a retryable rate_limit_exceeded with the delay', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 429, failBody: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, failHeaders: { 'retry-after': '7' } });
    const e = await fail(adapter.generate(job(), route('gpt-image-1'), ctx()));
    expect([e.code, e.retryable, e.retryAfterMs]).toEqual(['rate_limit_exceeded', true, 7000]);
  });

  it('maps a 401 to upstream_error without leaking the key', async () => {
    const e = await fail(adapter.generate(job(), route('gpt-image-1', 'sk-wrong-secret-key-123456'), ctx()));
    expect(e.code).toBe('upstream_error');
    expect(e.message).not.toContain('sk-wrong-secret-key-123456');
    expect(e.message).toContain('credentials');
  });

  it('times out into a retryable upstream_error', async () => {
    fake.knobs.latencyMs = 500;
    const e = await fail(adapter.generate(job(), route('gpt-image-1'), ctx(100)));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('time limit');
  });

  it('maps a dropped connection to a retryable upstream_error', async () => {
    fake.knobs.dropNext = 1;
    const e = await fail(adapter.generate(job(), route('gpt-image-1'), ctx()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });

  it('maps a malformed body to a retryable upstream_error', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 200, failBody: '{"data": [' });
    const e = await fail(adapter.generate(job(), route('gpt-image-1'), ctx()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });
});

describe('openai adapter: edits and variations', () => {
  const input = async (field: string, w = 64, h = 64, alpha = false): Promise<InputImage> => ({ field, bytes: await makeImage(w, h, { alpha }), mime: 'image/png', width: w, height: h, hasAlpha: alpha });

  it('sends several images as image[] and the mask as a multipart file', async () => {
    const images = [await input('image[0]'), await input('image[1]', 32, 32)];
    const mask = await input('mask', 64, 64, true);
    await adapter.generate(job({ operation: 'edit', images, mask, params: { input_fidelity: 'high', size: '1024x1024' } }), route('gpt-image-1'), ctx());
    expect(fake.lastFiles.map((f) => [f.field, f.bytes])).toEqual([
      ['image[]', images[0]!.bytes.length],
      ['image[]', images[1]!.bytes.length],
      ['mask', mask.bytes.length],
    ]);
    expect(fake.lastFields).toMatchObject({ model: 'gpt-image-1', prompt: 'a cat', n: '1', input_fidelity: 'high', size: '1024x1024' });
  });

  it('sends one image as image and a variation without prompt', async () => {
    await adapter.generate(job({ model: 'dall-e-2', operation: 'variation', prompt: '', images: [await input('image')], params: { size: '256x256' }, n: 2 }), route('dall-e-2'), ctx());
    expect(fake.requestsTo('/v1/images/variations')).toHaveLength(1);
    expect(fake.lastFiles.map((f) => f.field)).toEqual(['image']);
    expect(fake.lastFields).not.toHaveProperty('prompt');
    expect(fake.lastFields).toMatchObject({ n: '2', size: '256x256', response_format: 'b64_json' });
  });
});
