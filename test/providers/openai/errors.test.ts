import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { callContext, inputImage, job, routeTo, failure } from './job.js';

let fake: OpenAIFake;
const adapter = createOpenAIAdapter();

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const generate = (over: Parameters<typeof job>[0] = {}, model = 'gpt-image-1', ms = 10_000) =>
  failure(adapter.generate(job({ model, ...over }), routeTo(fake.url, model), callContext(ms)));

describe('openai errors: safety, empty replies and client input', () => {
  it('maps moderation_blocked to 400 content_policy_violation, not retryable, with the upstream request id', async () => {
    fake.moderateNext = 1;
    const e = await generate();
    expect([e.status, e.code, e.retryable]).toEqual([400, 'content_policy_violation', false]);
    expect(e.message).toContain('rejected by the safety system');
    expect(e.upstreamRequestId).toBe(fake.lastRequestId);
  });

  it("maps DALL·E's content_policy_violation to 400 content_policy_violation", async () => {
    fake.moderateNext = 1;
    const e = await generate({ params: { size: '1024x1024' } }, 'dall-e-3');
    expect([e.status, e.code, e.retryable]).toEqual([400, 'content_policy_violation', false]);
  });

  it('maps a moderation block on an edit to content_policy_violation', async () => {
    fake.moderateNext = 1;
    const e = await generate({ operation: 'edit', images: [await inputImage('image', 64, 64)] });
    expect(e.code).toBe('content_policy_violation');
  });

  it('maps an empty data list to 400 no_image_generated, not retryable', async () => {
    fake.emptyNext = 1;
    const e = await generate({ n: 2 });
    expect([e.status, e.code, e.retryable]).toEqual([400, 'no_image_generated', false]);
    expect(e.upstreamRequestId).toBe(fake.lastRequestId);
  });

  it('maps an invalid_request_error naming a client field to 400 invalid_request on that field', async () => {
    fake.failNextWith(400, { message: "Invalid 'prompt': the prompt is too long for this model's context.", param: 'prompt', code: 'string_above_max_length' });
    const e = await generate();
    expect([e.status, e.code, e.param, e.retryable]).toEqual([400, 'invalid_request', 'prompt', false]);
    expect(e.message).toContain("the prompt is too long for this model's context");
  });

  it('names an indexed OpenAI image param by its public name image', async () => {
    fake.failNextWith(400, { message: 'Invalid image file or mode for image 2, please check your image file.', param: 'image[1]', code: 'invalid_image_file' });
    const e = await generate({ operation: 'edit', images: [await inputImage('image[0]', 64, 64), await inputImage('image[1]', 64, 64)] });
    expect([e.status, e.code, e.param]).toEqual([400, 'invalid_request', 'image']);
  });

  it('maps an unknown parameter the gateway sent to a 502 upstream_error that keeps the param, not retryable', async () => {
    fake.failNextWith(400, { message: "Unknown parameter: 'response_format'.", param: 'response_format', code: 'unknown_parameter' });
    const e = await generate();
    expect([e.status, e.code, e.param, e.retryable]).toEqual([502, 'upstream_error', 'response_format', false]);
    expect(e.message).toContain("Unknown parameter: 'response_format'.");
  });

  it('maps a 400 that names no field to a 502 upstream_error with the upstream message', async () => {
    fake.failNextWith(400, { message: 'Something about this request is not supported.' });
    const e = await generate();
    expect([e.status, e.code, e.param, e.retryable]).toEqual([502, 'upstream_error', null, false]);
    expect(e.message).toContain('Something about this request is not supported.');
  });

  it('redacts a key-like string from an upstream message', async () => {
    fake.failNextWith(400, { message: 'Project key sk-proj-abcdefghijklmnop1234 is not allowed here.' });
    const e = await generate();
    expect(e.message).not.toContain('abcdefghijklmnop1234');
    expect(e.message).toContain('[redacted]');
  });
});

describe('openai errors: upstream faults and transport', () => {
  it('maps a 500 to a retryable 502 upstream_error', async () => {
    fake.knobs.failNext = 1;
    const e = await generate();
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
    expect(e.upstreamRequestId).toBe('req_fake_failure');
  });

  it('maps a 503 server_error to a retryable 502 upstream_error', async () => {
    fake.failNextWith(503, { message: 'The engine is currently overloaded, please try again later.', type: 'server_error' });
    const e = await generate();
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
  });

  it('maps 429 with Retry-After to a retryable rate_limit_exceeded carrying the delay', async () => {
    fake.failNextWith(
      429,
      { message: 'Rate limit reached for gpt-image-1 on images per minute (IPM): Limit 5.', type: 'requests', code: 'rate_limit_exceeded' },
      { 'retry-after': '7' },
    );
    const e = await generate();
    expect([e.status, e.code, e.retryable, e.retryAfterMs]).toEqual([429, 'rate_limit_exceeded', true, 7000]);
  });

  it("maps 429 insufficient_quota to a retryable upstream_error that is the operator's to fix, not a rate limit", async () => {
    fake.failNextWith(429, {
      message: 'You exceeded your current quota, please check your plan and billing details.',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    });
    const e = await generate();
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
    expect(e.message).toContain('operator');
  });

  it('maps a 401 to a retryable upstream_error that leaks neither the key nor its masked form', async () => {
    const key = 'sk-wrong-secret-key-1234567890';
    const e = await failure(adapter.generate(job(), routeTo(fake.url, 'gpt-image-1', { apiKey: key }), callContext()));
    expect(fake.requests).toHaveLength(1);
    expect([e.status, e.code, e.retryable, e.param]).toEqual([502, 'upstream_error', true, null]);
    expect(e.message).toContain('operator must fix the provider configuration');
    expect(e.message).not.toContain(key);
    expect(e.message).not.toContain('7890');
  });

  it('times out into a retryable upstream_error', async () => {
    fake.knobs.latencyMs = 500;
    const started = Date.now();
    const e = await generate({}, 'gpt-image-1', 100);
    expect(Date.now() - started).toBeLessThan(450);
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
    expect(e.message).toContain('time limit');
  });

  it('maps a dropped connection to a retryable upstream_error', async () => {
    fake.knobs.dropNext = 1;
    const e = await generate();
    expect([e.status, e.code, e.retryable]).toEqual([502, 'upstream_error', true]);
    expect(e.message).toContain('Could not reach OpenAI');
  });

  it('maps a malformed JSON body to a retryable upstream_error with the upstream request id', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 200, failBody: '{"created": 1, "data": [{"b64_json": "iVBO' });
    const e = await generate();
    expect([e.status, e.code, e.retryable, e.upstreamRequestId]).toEqual([502, 'upstream_error', true, 'req_fake_failure']);
    expect(e.message).toContain('malformed');
  });

  it('maps a 200 JSON body without a data list to a retryable upstream_error', async () => {
    fake.setFixedResponse(Buffer.from('{"created": 1}'));
    const e = await generate();
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('no data list');
  });
});
