import { Base64Bytes } from '../../../src/bytes/base64.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { callContext, job, routeTo } from './job.js';

let fake: OpenAIFake;
const adapter = createOpenAIAdapter();

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const replyWith = (body: unknown) => fake.setFixedResponse(Buffer.from(JSON.stringify(body)));

describe('openai replies: images, usage, meta and request id', () => {
  it('maps usage token details onto TokenUsage', async () => {
    const r = await adapter.generate(job({ n: 2, params: { quality: 'high', size: '1536x1024' } }), routeTo(fake.url), callContext());
    // Two high-quality 1536x1024 images at OpenAI's 6208 output tokens each; "a red fox in snow" as 11 text tokens.
    expect(r.usage).toEqual({ inputTextTokens: 11, inputImageTokens: 0, outputImageTokens: 12416, outputTextTokens: 0, totalTokens: 12427 });
  });

  it('counts usage without details as text in and image out', async () => {
    replyWith({ created: 1, data: [{ b64_json: 'aGVsbG8=' }], usage: { input_tokens: 12, output_tokens: 4160, total_tokens: 4172 } });
    const r = await adapter.generate(job(), routeTo(fake.url), callContext());
    expect(r.usage).toEqual({ inputTextTokens: 12, inputImageTokens: undefined, outputImageTokens: 4160, outputTextTokens: undefined, totalTokens: 4172 });
  });

  it("labels b64 images with the reply's output_format and reports size, quality, background and format as meta", async () => {
    const r = await adapter.generate(job({ params: { output_format: 'jpeg', quality: 'low' } }), routeTo(fake.url), callContext());
    expect(r.images[0]).toMatchObject({ payload: { kind: 'b64', mime: 'image/jpeg' }, size: '1024x1024' });
    expect(r.meta).toEqual({ size: '1024x1024', quality: 'low', background: 'opaque', output_format: 'jpeg' });
  });

  it('reports no settings for DALL·E, as OpenAI leaves them out for that family, even when a relay echoes them', async () => {
    replyWith({ created: 1, data: [{ b64_json: 'aGVsbG8=' }], size: '1024x1024', quality: 'standard', output_format: 'png' });
    const r = await adapter.generate(
      job({ model: 'dall-e-3', responseFormat: 'b64_json', params: { size: '1024x1024' } }),
      routeTo(fake.url, 'dall-e-3'),
      callContext(),
    );
    expect(r.meta).toBeUndefined();
  });

  it('completes a GPT image reply that leaves settings out with the concrete values the request named, never auto', async () => {
    replyWith({ created: 1, data: [{ b64_json: 'aGVsbG8=' }], quality: 'auto' });
    const params = { size: '1536x1024', quality: 'high', background: 'auto', output_format: 'webp' as const };
    const r = await adapter.generate(job({ params }), routeTo(fake.url), callContext());
    expect(r.meta).toEqual({ size: '1536x1024', quality: 'high', output_format: 'webp' });
  });

  it("keeps the upstream's own report over the request's value: it says what the model used", async () => {
    replyWith({ created: 1, data: [{ b64_json: 'aGVsbG8=' }], size: '1024x1024', quality: 'medium', background: 'opaque', output_format: 'png' });
    const r = await adapter.generate(job({ params: { size: 'auto', quality: 'auto' } }), routeTo(fake.url), callContext());
    expect(r.meta).toEqual({ size: '1024x1024', quality: 'medium', background: 'opaque', output_format: 'png' });
  });

  it('records the x-request-id of the reply as upstreamRequestId', async () => {
    const r = await adapter.generate(job(), routeTo(fake.url), callContext());
    expect(r.upstreamRequestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(r.upstreamRequestId).toBe(fake.lastRequestId);
  });

  it('reports the images a reply lacks as failedCount (partial success)', async () => {
    fake.fewerNext = 2;
    const r = await adapter.generate(job({ n: 5 }), routeTo(fake.url), callContext());
    expect([r.images.length, r.failedCount]).toEqual([3, 2]);
  });

  it('counts data entries with neither b64_json nor url as failed', async () => {
    replyWith({ created: 1, data: [{ b64_json: 'aGVsbG8=' }, {}, { url: '' }] });
    const r = await adapter.generate(job({ n: 3 }), routeTo(fake.url), callContext());
    expect([r.images.length, r.failedCount]).toEqual([1, 2]);
  });

  it('passes a 2 MB b64_json string on as the same bytes, lifted out of the body without a string copy', async () => {
    const b64 = Buffer.alloc(1_600_000, 7).toString('base64');
    expect(b64.length).toBeGreaterThan(2_000_000);
    replyWith({ created: 1, data: [{ b64_json: b64 }], output_format: 'png', size: '1024x1024' });
    const r = await adapter.generate(job(), routeTo(fake.url), callContext());
    const payload = r.images[0]!.payload;
    if (payload.kind !== 'b64') throw new Error('expected b64');
    expect(payload.b64).toBeInstanceOf(Base64Bytes);
    expect(payload.b64.length).toBe(b64.length);
    expect(String(payload.b64) === b64).toBe(true);
  });

  it('leaves meta out when the reply reports no settings (DALL·E)', async () => {
    const r = await adapter.generate(job({ model: 'dall-e-2', params: { size: '256x256' } }), routeTo(fake.url, 'dall-e-2'), callContext());
    expect(r.meta).toBeUndefined();
    expect(r.usage).toBeUndefined();
    expect(r.images[0]!.size).toBeUndefined();
  });
});

describe('an openai reply whose first image is passed through', () => {
  it('stringifies the result without throwing and without the image text, which went to the sink', async () => {
    const image = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200_000, 7)]);
    const b64 = image.toString('base64');
    replyWith({ created: 1, data: [{ b64_json: b64 }], output_format: 'png', size: '1024x1024' });
    const sent: Buffer[] = [];
    const sink = { started: false, write: (piece: Buffer) => void sent.push(Buffer.from(piece)) };
    const r = await adapter.generate(job(), routeTo(fake.url), { ...callContext(), passThrough: sink });
    expect(Buffer.concat(sent).toString('latin1')).toBe(b64);
    expect(r.images[0]!.payload).toEqual({ kind: 'passed-through', mime: 'image/png', chars: b64.length });
    const text = JSON.stringify(r);
    expect(text.length).toBeLessThan(1000);
    expect(JSON.parse(text).images[0].payload).toEqual({ kind: 'passed-through', mime: 'image/png', chars: b64.length });
  });
});
