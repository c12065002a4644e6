import { decodeBase64 } from '../../../src/bytes/base64.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';
import { imageSize } from '../../fakes/images.js';
import { callContext, failure, job, routeTo, inputImage } from './job.js';

let fake: GeminiFake;
const adapter = createGeminiAdapter();
const route = (model?: string) => routeTo(`${fake.url}/v1beta`, model);
const generate = (over: Parameters<typeof job>[0] = {}, model?: string) =>
  adapter.generate(job({ ...(model ? { model } : {}), ...over }), route(model), callContext());

beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('gemini adapter: reading replies', () => {
  it('returns the inline image as the base64 string Gemini sent, with its mime type and responseId', async () => {
    const r = await generate({ params: { aspect_ratio: '3:2' } });
    expect(r.images).toHaveLength(1);
    const payload = r.images[0]!.payload;
    expect(payload).toMatchObject({ kind: 'b64', mime: 'image/png' });
    if (payload.kind !== 'b64') throw new Error('expected base64');
    const d = await imageSize(decodeBase64(payload.b64));
    expect([d.format, d.width, d.height]).toEqual(['png', 1248, 832]);
    expect(r.failedCount).toBe(0);
    expect(r.upstreamRequestId).toBe(fake.responseIds[0]);
    expect(r.text).toBeUndefined();
  });

  it('maps usageMetadata by modality: prompt TEXT/IMAGE, candidates IMAGE/TEXT, total', async () => {
    const ref = await inputImage('image_urls[0]', 300, 300);
    fake.captionNext('Here is your banana.');
    const r = await generate({ operation: 'image-to-image', images: [ref] });
    // Fake counts: prompt 18 chars → 5 text tokens, one input image 258; image 1290, caption 20 chars → 5.
    expect(r.usage).toEqual({ inputTextTokens: 5, inputImageTokens: 258, outputImageTokens: 1290, outputTextTokens: 5, totalTokens: 1558 });
  });

  it('puts text parts beside the image into result.text', async () => {
    fake.captionNext('Here is your banana.');
    const r = await generate();
    expect(r.images).toHaveLength(1);
    expect(r.text).toBe('Here is your banana.');
  });

  it('skips thought parts: the thought text and the interim thought image are not returned', async () => {
    fake.thoughtPartsNext = 1;
    const model = 'gemini-3-pro-image-preview';
    const r = await generate({ params: { aspect_ratio: '1:1' } }, model);
    expect(r.images).toHaveLength(1);
    const payload = r.images[0]!.payload;
    if (payload.kind !== 'b64') throw new Error('expected base64');
    expect((await imageSize(decodeBase64(payload.b64))).width).toBe(1024);
    expect(r.text).toBeUndefined();
    // Thinking tokens are billed as output text.
    expect(r.usage?.outputTextTokens).toBe(180);
  });

  it('parses snake_case inline_data / mime_type parts', async () => {
    fake.snakeCaseNext = 1;
    const r = await generate();
    expect(r.images).toHaveLength(1);
    expect(r.images[0]!.payload).toMatchObject({ kind: 'b64', mime: 'image/png' });
  });
});

describe('gemini adapter: replies without an image', () => {
  it('maps promptFeedback.blockReason with no candidates to 400 content_policy_violation', async () => {
    fake.blockPromptNext('PROHIBITED_CONTENT');
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['content_policy_violation', 400, false]);
    expect(e.message).toContain('PROHIBITED_CONTENT');
    expect(e.upstreamRequestId).toBe(fake.responseIds[0]);
  });

  it.each(['SAFETY', 'IMAGE_SAFETY', 'PROHIBITED_CONTENT', 'IMAGE_PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'RECITATION', 'IMAGE_RECITATION'])(
    'maps finishReason %s to 400 content_policy_violation',
    async (reason) => {
      fake.finishReasonNext(reason);
      const e = await failure(generate());
      expect([e.code, e.status, e.retryable]).toEqual(['content_policy_violation', 400, false]);
      expect(e.message).toContain(`finishReason ${reason}`);
    },
  );

  it.each(['NO_IMAGE', 'IMAGE_OTHER', 'OTHER', 'MAX_TOKENS'])('maps finishReason %s to 400 no_image_generated', async (reason) => {
    fake.finishReasonNext(reason);
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['no_image_generated', 400, false]);
    expect(e.message).toContain(`finishReason ${reason}`);
  });

  it('maps a text-only STOP reply to no_image_generated quoting the model text, truncated', async () => {
    const text = `I cannot draw that, but here is a description: ${'a long yellow fruit '.repeat(40)}END`;
    fake.textOnlyNext(text);
    const e = await failure(generate());
    expect([e.code, e.status]).toEqual(['no_image_generated', 400]);
    expect(e.message).toContain('finishReason STOP');
    expect(e.message).toContain('I cannot draw that, but here is a description');
    expect(e.message).not.toContain('END');
    expect(e.message.length).toBeLessThan(450);
  });

  it('treats a 200 with neither candidates nor promptFeedback as a malformed, retryable reply', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 200, failBody: { modelVersion: 'x', responseId: 'r1' } });
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
  });

  it('treats a 200 with a non-JSON body as a malformed, retryable reply', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 200, failBody: '{"candidates": [ {"content": ' });
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('malformed');
  });
});

describe('gemini adapter: n > 1 with some calls failing', () => {
  it('returns the images that came back and counts an upstream 503 as failed', async () => {
    fake.errorNext(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
    const r = await generate({ n: 3 });
    expect(fake.requests).toHaveLength(3);
    expect(r.images).toHaveLength(2);
    expect(r.failedCount).toBe(1);
    expect(r.usage?.outputImageTokens).toBe(2580);
  });

  it('counts a moderated call as failed when another call succeeds', async () => {
    fake.finishReasonNext('IMAGE_SAFETY');
    const r = await generate({ n: 2 });
    expect(r.images).toHaveLength(1);
    expect(r.failedCount).toBe(1);
  });

  it('throws the first error when every call fails', async () => {
    fake.blockPromptNext('SAFETY');
    fake.blockPromptNext('SAFETY');
    const e = await failure(generate({ n: 2 }));
    expect(e.code).toBe('content_policy_violation');
    expect(fake.requests).toHaveLength(2);
  });
});
