import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';
import { callContext, failure, job, routeTo } from './job.js';

let fake: GeminiFake;
const adapter = createGeminiAdapter();
const generate = (opts: { key?: string; ms?: number; model?: string } = {}) =>
  adapter.generate(job(), routeTo(`${fake.url}/v1beta`, opts.model, opts.key), callContext(opts.ms));

beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('gemini adapter: HTTP errors', () => {
  it("maps 400 INVALID_ARGUMENT to a non-retryable 502 upstream_error carrying Google's message", async () => {
    fake.errorNext(
      400,
      'INVALID_ARGUMENT',
      'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    );
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, false]);
    expect(e.message).toContain('INVALID_ARGUMENT Unable to process input image');
  });

  it('redacts anything key-like inside an upstream message', async () => {
    fake.errorNext(400, 'INVALID_ARGUMENT', 'Request for AIzaSyDleakedleakedleakedleaked0123 had an invalid field.');
    const e = await failure(generate());
    expect(e.message).not.toContain('AIzaSyDleaked');
    expect(e.message).toContain('[redacted]');
  });

  it('maps 429 RESOURCE_EXHAUSTED with Retry-After to a retryable rate_limit_exceeded with retryAfterMs', async () => {
    fake.errorNext(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', { headers: { 'retry-after': '7' } });
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable, e.retryAfterMs]).toEqual(['rate_limit_exceeded', 429, true, 7000]);
  });

  it('takes the wait from RetryInfo retryDelay when there is no Retry-After header', async () => {
    fake.errorNext(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', {
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '30s' },
      ],
    });
    const e = await failure(generate());
    expect([e.code, e.retryable, e.retryAfterMs]).toEqual(['rate_limit_exceeded', true, 30_000]);
  });

  it('maps an invalid key (Google answers 400 API_KEY_INVALID) to a retryable upstream_error for the operator, without the key', async () => {
    const key = 'AIzaWrongWrongWrongWrongWrongWrong12345';
    const e = await failure(generate({ key }));
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(key);
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('operator must fix the provider configuration');
    expect(JSON.stringify(e.toBody())).not.toContain(key);
    expect(e.message).not.toContain('API key not valid');
  });

  it('maps a missing key (403 PERMISSION_DENIED) to the same operator-facing upstream_error', async () => {
    const e = await failure(generate({ key: '' }));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('HTTP 403 PERMISSION_DENIED');
  });

  it('maps 401 UNAUTHENTICATED to the operator-facing upstream_error', async () => {
    fake.errorNext(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    const e = await failure(generate());
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('operator');
  });

  it.each([
    [500, 'INTERNAL', 'An internal error has occurred.'],
    [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'],
    [504, 'DEADLINE_EXCEEDED', 'The request timed out.'],
  ])('maps %i %s to a retryable 502 upstream_error', async (status, googleStatus, message) => {
    fake.errorNext(status, googleStatus, message);
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain(`HTTP ${status}`);
  });

  it('maps an unknown model (404 NOT_FOUND) to a non-retryable upstream_error', async () => {
    const e = await failure(generate({ model: 'gemini-2.5-flash-image-nonexistent' }));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(e.message).toContain('NOT_FOUND');
  });
});

describe('gemini adapter: transport failures', () => {
  it('turns a reply slower than the deadline into a retryable upstream_error timeout', async () => {
    fake.knobs.latencyMs = 1_000;
    const started = Date.now();
    const e = await failure(generate({ ms: 150 }));
    expect([e.code, e.retryable, e.details?.reason]).toEqual(['upstream_error', true, 'timeout']);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('turns a dropped connection into a retryable upstream_error', async () => {
    fake.knobs.dropNext = 1;
    const e = await failure(generate());
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).toContain('Could not reach Gemini');
  });
});
