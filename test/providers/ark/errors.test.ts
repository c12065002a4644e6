import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArkAdapter } from '../../../src/providers/ark/adapter.js';
import { type ArkFake, startArkFake } from '../../fakes/ark.js';
import { callContext, failure, job, reference, routeTo } from './job.js';

let fake: ArkFake;
const adapter = createArkAdapter();
const arkError = (code: string, message: string, param = '', type = 'BadRequest') => ({ error: { code, message, param, type } });
const failNextWith = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Object.assign(fake.knobs, { failNext: 1, failStatus: status, failBody: body, failHeaders: { 'x-request-id': '021upstream', ...headers } });

beforeAll(async () => {
  fake = await startArkFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('ark errors: moderation', () => {
  it('maps InputTextSensitiveContentDetected to 400 content_policy_violation naming prompt, not retryable', async () => {
    fake.sensitiveNext('InputTextSensitiveContentDetected');
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.param, e.retryable]).toEqual([400, 'content_policy_violation', 'prompt', false]);
    expect(e.message).toContain('the prompt');
    expect(e.upstreamRequestId).toMatch(/^021/);
  });

  it('maps InputImageSensitiveContentDetected to content_policy_violation naming the client reference field', async () => {
    fake.sensitiveNext('InputImageSensitiveContentDetected');
    const img = await reference('image_urls[0]', { sourceUrl: 'https://example.com/a.png' });
    const e = await failure(adapter.generate(job({ operation: 'image-to-image', images: [img] }), routeTo(fake), callContext()));
    expect([e.status, e.code, e.param]).toEqual([400, 'content_policy_violation', 'image_urls']);
    expect(e.message).toContain('a reference image');
  });

  it('maps OutputImageSensitiveContentDetected to content_policy_violation about the generated image', async () => {
    fake.sensitiveNext('OutputImageSensitiveContentDetected');
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.param, e.retryable]).toEqual([400, 'content_policy_violation', null, false]);
    expect(e.message).toContain('the generated image');
  });

  it('maps any other code ending in SensitiveContentDetected to content_policy_violation', async () => {
    fake.sensitiveNext('InputVideoSensitiveContentDetected');
    expect((await failure(adapter.generate(job(), routeTo(fake), callContext()))).code).toBe('content_policy_violation');
  });
});

describe('ark errors: upstream and operator faults', () => {
  it('maps InvalidParameter on a gateway-sent field to a non-retryable 502 upstream_error with the message redacted', async () => {
    failNextWith(400, arkError('InvalidParameter', 'The parameter `size` specified in the request is not valid. Bearer ark-secret-token-123', 'size'));
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.retryable, e.upstreamRequestId]).toEqual([502, 'upstream_error', false, '021upstream']);
    expect(e.message).toContain('(size)');
    expect(e.message).not.toContain('ark-secret-token-123');
  });

  it('maps InvalidParameter about the image to 400 invalid_request naming the client field', async () => {
    failNextWith(400, arkError('InvalidParameter', 'The parameter `image` specified in the request is not valid: image aspect ratio out of range.', 'image'));
    const img = await reference('image');
    const e = await failure(adapter.generate(job({ operation: 'edit', images: [img] }), routeTo(fake), callContext()));
    expect([e.status, e.code, e.param, e.retryable]).toEqual([400, 'invalid_request', 'image', false]);
    expect(e.message).toContain('aspect ratio out of range');
  });

  it('maps a 401 AuthenticationError to a retryable upstream_error for the operator, without the key', async () => {
    const key = 'ark-wrong-secret-key-0123456789';
    const e = await failure(adapter.generate(job(), routeTo(fake, { apiKey: key }), callContext()));
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
    expect(e.message).toContain('operator must fix the provider configuration');
    expect(e.message).not.toContain(key);
  });

  it('maps a 403 AccessDenied to a retryable upstream_error for the operator', async () => {
    failNextWith(403, arkError('AccessDenied', 'You do not have access to the model.', '', 'Forbidden'));
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
    expect(e.message).toContain('operator');
  });

  it('maps 429 RateLimitExceeded with Retry-After to a retryable rate_limit_exceeded with the delay', async () => {
    failNextWith(429, arkError('RateLimitExceeded', 'Request rate limit exceeded.', '', 'TooManyRequests'), { 'retry-after': '7' });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.retryable, e.retryAfterMs, e.upstreamRequestId]).toEqual([429, 'rate_limit_exceeded', true, 7000, '021upstream']);
  });

  it('maps ServerOverloaded to a retryable rate_limit_exceeded even on a 503', async () => {
    failNextWith(503, arkError('ServerOverloaded', 'The service is currently overloaded.', '', 'ServiceUnavailable'));
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['rate_limit_exceeded', true]);
  });

  it('maps a 500 InternalServiceError to a retryable 502 upstream_error', async () => {
    failNextWith(500, arkError('InternalServiceError', 'The service encountered an unexpected internal error.', '', 'InternalServerError'));
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
  });

  it('maps a non-JSON 502 page to a retryable upstream_error', async () => {
    failNextWith(502, '<html>Bad Gateway</html>');
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });
});

describe('ark errors: transport', () => {
  it('times out into a retryable upstream_error', async () => {
    fake.knobs.latencyMs = 500;
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext(100)));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('time limit');
  });

  it('maps a dropped connection to a retryable upstream_error', async () => {
    fake.knobs.dropNext = 1;
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });

  it('maps a malformed JSON body to a retryable upstream_error', async () => {
    failNextWith(200, '{"data": [{"b64_json": ');
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('malformed');
  });

  it('maps a 200 without a data list to a retryable upstream_error', async () => {
    failNextWith(200, { model: 'doubao-seedream-4-0-250828', created: 1 });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable, e.upstreamRequestId]).toEqual(['upstream_error', true, '021upstream']);
  });
});
