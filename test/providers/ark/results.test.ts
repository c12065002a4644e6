import { decodeBase64 } from '../../../src/bytes/base64.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArkAdapter } from '../../../src/providers/ark/adapter.js';
import { type ArkFake, startArkFake } from '../../fakes/ark.js';
import { imageSize } from '../../fakes/images.js';
import { callContext, failure, job, routeTo } from './job.js';

let fake: ArkFake;
const adapter = createArkAdapter();

beforeAll(async () => {
  fake = await startArkFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('ark results', () => {
  it('keeps a b64_json image as the same base64 string, JPEG, with its size, usage and request id', async () => {
    const r = await adapter.generate(job({ params: { size: '1280x720' } }), routeTo(fake), callContext());
    const sent = fake.requestsTo('/api/v3/images/generations')[0]!;
    expect(r.images).toHaveLength(1);
    const payload = r.images[0]!.payload;
    expect(payload).toMatchObject({ kind: 'b64', mime: 'image/jpeg' });
    expect(r.images[0]!.size).toBe('1280x720');
    expect(r.failedCount).toBe(0);
    expect(r.usage).toEqual({ outputImageTokens: 3600, totalTokens: 3600 });
    expect(r.meta).toEqual({ size: '1280x720' });
    expect(r.upstreamRequestId).toMatch(/^021\d+[0-9a-f]{16}$/);
    expect(sent.json).toMatchObject({ response_format: 'b64_json' });
    const bytes = decodeBase64(payload.kind === 'b64' ? payload.b64 : '');
    expect((await imageSize(bytes)).format).toBe('jpeg');
  });

  it('returns real images of the requested dimensions when the fake makes full-size images', async () => {
    fake.fullSizeImages = true;
    const r = await adapter.generate(job({ params: { size: '1280x720' } }), routeTo(fake), callContext());
    const payload = r.images[0]!.payload;
    const dims = await imageSize(decodeBase64(payload.kind === 'b64' ? payload.b64 : ''));
    expect([dims.width, dims.height]).toEqual([1280, 720]);
  });

  it('maps url items to remote payloads that serve the image', async () => {
    const r = await adapter.generate(job({ responseFormat: 'url' }), routeTo(fake), callContext());
    const payload = r.images[0]!.payload;
    expect(payload.kind).toBe('remote');
    const url = payload.kind === 'remote' ? payload.url : '';
    expect(url).toMatch(/\/files\/[\w-]+\.jpeg$/);
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect((await imageSize(Buffer.from(await res.arrayBuffer()))).format).toBe('jpeg');
  });

  it('takes the request id from x-tt-logid when x-request-id is absent', async () => {
    fake.requestIdHeader = 'x-tt-logid';
    const r = await adapter.generate(job(), routeTo(fake), callContext());
    expect(r.upstreamRequestId).toMatch(/^021/);
  });

  it('counts items that carry an error as failed and keeps the rest (partial success)', async () => {
    fake.partialFailNext(1);
    const r = await adapter.generate(job({ n: 4, params: { sequential_image_generation: 'auto' } }), routeTo(fake), callContext());
    expect(r.images).toHaveLength(3);
    expect(r.failedCount).toBe(1);
    expect(r.usage?.outputImageTokens).toBe(3 * 16384);
  });

  it('maps a reply whose only item failed by moderation to content_policy_violation', async () => {
    fake.partialFailNext(1, 'OutputImageSensitiveContentDetected');
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.retryable, e.param]).toEqual([400, 'content_policy_violation', false, null]);
    expect(e.upstreamRequestId).toMatch(/^021/);
  });

  it('maps a reply whose items all failed otherwise to a retryable upstream_error with the first code', async () => {
    fake.partialFailNext(2, 'InternalServiceError');
    const e = await failure(adapter.generate(job({ n: 2, params: { sequential_image_generation: 'auto' } }), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('InternalServiceError');
  });

  it('maps an empty data list to no_image_generated', async () => {
    fake.emptyNext = 1;
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.retryable]).toEqual([400, 'no_image_generated', false]);
  });

  it('makes n > 1 without sequential generation as n concurrent single-image calls and merges them', async () => {
    fake.knobs.latencyMs = 150;
    const r = await adapter.generate(job({ n: 3 }), routeTo(fake), callContext());
    expect(fake.bodies).toHaveLength(3);
    for (const b of fake.bodies) {
      expect(b).not.toHaveProperty('n');
      expect(b).not.toHaveProperty('sequential_image_generation_options');
    }
    expect(fake.maxInFlight).toBe(3);
    expect(r.images).toHaveLength(3);
    expect(r.failedCount).toBe(0);
    expect(r.usage).toEqual({ outputImageTokens: 3 * 16384, totalTokens: 3 * 16384 });
    expect(r.upstreamRequestId!.split(',')).toHaveLength(3);
  });

  it('makes n > 1 with sequential generation as one call returning n images', async () => {
    const r = await adapter.generate(job({ n: 3, params: { sequential_image_generation: 'auto' } }), routeTo(fake), callContext());
    expect(fake.bodies).toHaveLength(1);
    expect(r.images).toHaveLength(3);
  });

  it('counts a failed call of a fan-out as a failed image and keeps the others', async () => {
    Object.assign(fake.knobs, {
      failNext: 1,
      failStatus: 500,
      failBody: {
        error: { code: 'InternalServiceError', message: 'The service encountered an unexpected internal error.', param: '', type: 'InternalServerError' },
      },
    });
    const r = await adapter.generate(job({ n: 3 }), routeTo(fake), callContext());
    expect(r.images).toHaveLength(2);
    expect(r.failedCount).toBe(1);
  });

  it('throws the mapped error when every call of a fan-out failed', async () => {
    fake.sensitiveNext('InputTextSensitiveContentDetected');
    fake.sensitiveNext('InputTextSensitiveContentDetected');
    const e = await failure(adapter.generate(job({ n: 2 }), routeTo(fake), callContext()));
    expect([e.code, e.param]).toEqual(['content_policy_violation', 'prompt']);
  });
});
