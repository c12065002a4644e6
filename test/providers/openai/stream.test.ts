/**
 * The OpenAI adapter's streamed path (stream.ts): when it asks OpenAI for a stream, how partial images are
 * relayed (as the bytes they came in), and how the completed event, error events and a cut stream end it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Base64Bytes } from '../../../src/bytes/index.js';
import type { PartialImage } from '../../../src/domain/job.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { callContext, failure, inputImage, job, routeTo, thrown } from './job.js';

let fake: OpenAIFake;
const adapter = createOpenAIAdapter();

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const streamed = (partialImages: number, over: Parameters<typeof job>[0] = {}) => job({ stream: { partialImages }, ...over });

/** An upstream that answers every request with exactly this text as an event stream. */
async function scripted(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_scripted' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

describe('openai streamed images', () => {
  it('asks OpenAI for a stream with partial_images and relays each preview before resolving with the completed image and usage', async () => {
    const partials: PartialImage[] = [];
    const r = await adapter.generate(
      streamed(2, { params: { quality: 'low' } }),
      routeTo(fake.url),
      callContext(10_000, { onPartialImage: (p) => partials.push(p) }),
    );
    expect(fake.requests[0]!.json).toMatchObject({ stream: true, partial_images: 2, quality: 'low' });
    expect(partials.map((p) => p.partialIndex)).toEqual([0, 1]);
    expect(partials[0]).toMatchObject({ mime: 'image/png', meta: { quality: 'low', size: '1024x1024', background: 'opaque', output_format: 'png' } });
    expect(r.images).toHaveLength(1);
    expect(r.images[0]!.payload.kind).toBe('b64');
    // Low quality at 1024x1024 is 272 output image tokens (OpenAI's table); no input image, so no image tokens.
    expect(r.usage).toMatchObject({ outputImageTokens: 272, inputImageTokens: 0 });
    expect(r.meta).toMatchObject({ quality: 'low' });
    expect(r.upstreamRequestId).toMatch(/^req_/);
  });

  it('sends stream and partial_images as multipart fields on an edit', async () => {
    const image = await inputImage('image', 64, 64);
    const partials: PartialImage[] = [];
    await adapter.generate(
      streamed(1, { operation: 'edit', images: [image] }),
      routeTo(fake.url),
      callContext(10_000, { onPartialImage: (p) => partials.push(p) }),
    );
    expect(fake.lastFields).toMatchObject({ stream: 'true', partial_images: '1' });
    expect(partials).toHaveLength(1);
  });

  it('answers whole, without asking OpenAI to stream, for no partial images, for n > 1, or without a stream reader', async () => {
    const noop = () => {};
    await adapter.generate(streamed(0), routeTo(fake.url), callContext(10_000, { onPartialImage: noop }));
    await adapter.generate(streamed(2, { n: 2 }), routeTo(fake.url), callContext(10_000, { onPartialImage: noop }));
    await adapter.generate(streamed(2), routeTo(fake.url), callContext());
    for (const req of fake.requests) expect(req.json).not.toHaveProperty('stream');
  });

  it('refuses partial images from a DALL·E upstream before any call, naming partial_images', () => {
    const err = thrown(() => adapter.validate!(streamed(1, { model: 'dall-e-3' }), routeTo(fake.url, 'dall-e-3')));
    expect(err).toMatchObject({ code: 'invalid_request', param: 'partial_images' });
  });

  it('hands a large preview on as the bytes it arrived in, never a string', async () => {
    const big = 'A'.repeat(200_000);
    const up = await scripted(
      event('image_generation.partial_image', { b64_json: big, partial_image_index: 0, output_format: 'webp' }) +
        event('image_generation.completed', { b64_json: big, output_format: 'webp', usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } }),
    );
    try {
      const partials: PartialImage[] = [];
      const r = await adapter.generate(streamed(1), routeTo(up.url), callContext(10_000, { onPartialImage: (p) => partials.push(p) }));
      expect(partials[0]!.b64).toBeInstanceOf(Base64Bytes);
      expect(partials[0]!.b64.length).toBe(big.length);
      expect(partials[0]!.mime).toBe('image/webp');
      const payload = r.images[0]!.payload;
      expect(payload.kind === 'b64' && payload.b64 instanceof Base64Bytes).toBe(true);
    } finally {
      await up.close();
    }
  });

  it('maps a moderation error event to content_policy_violation', async () => {
    const up = await scripted(
      `event: error\ndata: ${JSON.stringify({ error: { message: 'Your request was rejected by the safety system.', type: 'image_generation_user_error', code: 'moderation_blocked', param: null } })}\n\n`,
    );
    try {
      const err = await failure(adapter.generate(streamed(1), routeTo(up.url), callContext(10_000, { onPartialImage: () => {} })));
      expect(err).toMatchObject({ code: 'content_policy_violation', upstreamRequestId: 'req_scripted' });
    } finally {
      await up.close();
    }
  });

  it('fails as a malformed answer when the stream ends before its completed event', async () => {
    const up = await scripted(event('image_generation.partial_image', { b64_json: 'AAAA', partial_image_index: 0 }));
    try {
      const err = await failure(adapter.generate(streamed(1), routeTo(up.url), callContext(10_000, { onPartialImage: () => {} })));
      expect(err).toMatchObject({ code: 'upstream_error' });
      expect(err.message).toContain('before the completed event');
    } finally {
      await up.close();
    }
  });
});
