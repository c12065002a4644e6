import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';
import { callContext, job, routeTo, inputImage } from './job.js';

let fake: GeminiFake;
const adapter = createGeminiAdapter();
const route = (model?: string) => routeTo(`${fake.url}/v1beta`, model);

beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('gemini adapter: the generateContent request', () => {
  it('posts the prompt to models/{model}:generateContent with the key in x-goog-api-key and no imageConfig when no shape is asked', async () => {
    await adapter.generate(job(), route(), callContext());
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(fake.apiKey);
    expect(sent.headers['content-type']).toBe('application/json');
    expect([...sent.query.keys()]).toEqual([]);
    expect(sent.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a banana on a desk' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
    });
  });

  it('sends image-to-image references as inlineData after the prompt, in client order, with each mimeType and the exact bytes', async () => {
    const first = await inputImage('image_urls[0]', 300, 200, { format: 'png' });
    const second = await inputImage('image_urls[1]', 200, 300, { format: 'jpeg' });
    const third = await inputImage('image_urls[2]', 256, 256, { format: 'webp' });
    await adapter.generate(job({ operation: 'image-to-image', prompt: 'put the cat on the sofa', images: [first, second, third] }), route(), callContext());
    const parts = (fake.requests[0]!.json as { contents: Array<{ role: string; parts: unknown[] }> }).contents[0]!.parts;
    expect(parts).toEqual([
      { text: 'put the cat on the sofa' },
      { inlineData: { mimeType: 'image/png', data: first.bytes.toString('base64') } },
      { inlineData: { mimeType: 'image/jpeg', data: second.bytes.toString('base64') } },
      { inlineData: { mimeType: 'image/webp', data: third.bytes.toString('base64') } },
    ]);
  });

  it('sends an edit through the same reference mechanism', async () => {
    const source = await inputImage('image', 512, 512);
    const r = await adapter.generate(job({ operation: 'edit', prompt: 'make it night', images: [source] }), route('gemini-3-pro-image-preview'), callContext());
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gemini-3-pro-image-preview:generateContent');
    expect(sent.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'make it night' }, { inlineData: { mimeType: 'image/png', data: source.bytes.toString('base64') } }] }],
      // A square source and no requested shape: its ratio is sent so the output dimensions are known.
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } },
    });
    expect(r.images).toHaveLength(1);
    expect(r.images[0]!.size).toBe('1024x1024');
  });

  it('makes n=2 two identical calls and returns both images with their usage summed', async () => {
    const r = await adapter.generate(job({ n: 2, params: { aspect_ratio: '16:9' } }), route(), callContext());
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body.equals(fake.requests[0]!.body)).toBe(true);
    expect(r.images).toHaveLength(2);
    expect(r.failedCount).toBe(0);
    expect(r.usage).toEqual({ inputTextTokens: 10, outputImageTokens: 2580, outputTextTokens: 0, totalTokens: 2590 });
    expect(fake.responseIds).toContain(r.upstreamRequestId);
  });

  it('runs the n calls concurrently, not one after another', async () => {
    fake.knobs.latencyMs = 150;
    await adapter.generate(job({ n: 4 }), route(), callContext());
    expect(fake.requests).toHaveLength(4);
    expect(fake.maxInFlight).toBe(4);
  });
});
