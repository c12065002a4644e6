import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDashScopeAdapter } from '../../../src/providers/dashscope/adapter.js';
import { type DashScopeFake, startDashScopeFake } from '../../fakes/dashscope.js';
import { callContext, FAST_POLLING, failure, job, reference, routeTo } from './job.js';

let fake: DashScopeFake;
const adapter = createDashScopeAdapter(FAST_POLLING);

beforeAll(async () => {
  fake = await startDashScopeFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

/** Both protocols must map errors the same way. */
const PROTOCOLS = [
  ['messages', 'wan2.6-t2i'],
  ['task', 'wan2.5-t2i-preview'],
] as const;

const generate = (model: string, over: Parameters<typeof job>[0] = {}, opts: { key?: string; ms?: number } = {}) =>
  adapter.generate(job({ model, ...over }), routeTo(fake, model, opts.key === undefined ? {} : { apiKey: opts.key }), callContext(opts.ms));

describe.each(PROTOCOLS)('dashscope %s protocol: error mapping', (_protocol, model) => {
  it('maps 401 InvalidApiKey to a retryable 502 upstream_error for the operator, without the key', async () => {
    const key = 'sk-wrongwrongwrongwrong0123456789';
    const e = await failure(generate(model, {}, { key }));
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('operator must fix the provider configuration');
    expect(JSON.stringify(e.toBody())).not.toContain(key);
    expect(e.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps 403 AccessDenied to the same operator-facing upstream_error', async () => {
    fake.errorNext(403, 'AccessDenied', 'Access denied.');
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('operator must fix the provider configuration');
  });

  it('maps DataInspectionFailed to 400 content_policy_violation naming the prompt', async () => {
    fake.inspectionFailNext('Input data may contain inappropriate content.');
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable, e.param]).toEqual(['content_policy_violation', 400, false, 'prompt']);
    expect(e.message).toContain('Input data may contain inappropriate content.');
  });

  it('maps InvalidParameter to a non-retryable upstream_error (the gateway sent something wrong), message redacted', async () => {
    fake.errorNext(400, 'InvalidParameter', 'The parameter size is invalid for key sk-leakedleakedleaked0123.');
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, false]);
    expect(e.message).toContain('The parameter size is invalid');
    expect(e.message).not.toContain('sk-leakedleakedleaked0123');
  });

  it('maps Arrearage to a retryable upstream_error saying the provider account is in arrears', async () => {
    fake.errorNext(400, 'Arrearage', 'Access denied, please make sure your account is in good standing.');
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('provider account is in arrears');
  });

  it('maps 408 RequestTimeOut to a retryable upstream_error', async () => {
    fake.errorNext(408, 'RequestTimeOut', 'Request timed out, please try again later.');
    const e = await failure(generate(model));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });

  it('maps 413 BadRequest.TooLarge to 400 invalid_request', async () => {
    fake.errorNext(413, 'BadRequest.TooLarge', 'Payload Too Large');
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable, e.param]).toEqual(['invalid_request', 400, false, 'prompt']);
  });

  it('maps 429 Throttling with Retry-After to a retryable rate_limit_exceeded with retryAfterMs', async () => {
    fake.errorNext(429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.', { 'retry-after': '3' });
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable, e.retryAfterMs]).toEqual(['rate_limit_exceeded', 429, true, 3000]);
  });

  it('maps 500 InternalError to a retryable upstream_error carrying the request id', async () => {
    fake.errorNext(500, 'InternalError', 'An internal error has occured, please try again later.');
    const e = await failure(generate(model));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps a reply slower than the deadline to a retryable upstream_error timeout', async () => {
    fake.knobs.latencyMs = 500;
    const e = await failure(generate(model, {}, { ms: 100 }));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.details).toEqual({ reason: 'timeout' });
  });

  it('maps a dropped connection to a retryable upstream_error', async () => {
    fake.knobs.dropNext = 1;
    const e = await failure(generate(model));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });

  it('maps a malformed JSON body to a retryable upstream_error', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 200, failBody: '{"output": {"choi' });
    const e = await failure(generate(model));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('malformed');
  });
});

describe('dashscope error mapping with reference images', () => {
  it("maps InvalidParameter about an image to 400 invalid_request naming the client's image field", async () => {
    fake.errorNext(400, 'InvalidParameter', 'Download the media resource timed out during the data inspection process.');
    const e = await failure(
      generate('wan2.6-image', { operation: 'image-to-image', images: [await reference('image_urls[0]', { sourceUrl: 'https://example.com/a.png' })] }),
    );
    expect([e.code, e.status, e.param]).toEqual(['invalid_request', 400, 'image_urls']);
  });

  it('keeps an inline image DashScope echoes in its message out of the error', async () => {
    const upload = await reference('image');
    const b64 = upload.bytes.toString('base64');
    fake.errorNext(400, 'InvalidParameter', `The image data:image/png;base64,${b64} could not be decoded.`);
    const e = await failure(generate('wan2.6-image', { operation: 'edit', images: [upload] }));
    expect([e.code, e.param]).toEqual(['invalid_request', 'image']);
    expect(e.message).toContain('could not be decoded');
    expect(e.message).not.toContain(b64.slice(0, 40));
  });

  it('maps DataInspectionFailed about an input image to content_policy_violation naming the image field', async () => {
    fake.inspectionFailNext('Input image data may contain inappropriate content.');
    const e = await failure(generate('wan2.6-image', { operation: 'edit', images: [await reference('image')] }));
    expect([e.code, e.param]).toEqual(['content_policy_violation', 'image']);
  });
});
