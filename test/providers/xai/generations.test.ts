import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../src/bytes/base64.js';
import { createXaiAdapter } from '../../../src/providers/xai/adapter.js';
import { imageSize } from '../../fakes/images.js';
import { startXaiFake, type XaiFake } from '../../fakes/xai.js';
import { callContext, FAKE_KEY, failure, job, routeTo, thrown } from './job.js';

let fake: XaiFake;
const adapter = createXaiAdapter();

beforeAll(async () => {
  fake = await startXaiFake(FAKE_KEY);
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const sent = () => fake.requestsTo('/v1/images/generations').at(-1)!;

describe('xai generations: the request', () => {
  it('sends aspect_ratio as it is and resolution in xAI spelling, with response_format and the bearer key', async () => {
    await adapter.generate(job({ n: 2, params: { aspect_ratio: '16:9', resolution: '2K' }, user: 'u-1' }), routeTo(fake.url), callContext());
    expect(sent().headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(sent().json).toEqual({
      model: 'grok-imagine-image',
      prompt: 'a red fox in snow',
      n: 2,
      aspect_ratio: '16:9',
      resolution: '2k',
      response_format: 'b64_json',
      user: 'u-1',
    });
  });

  it('sends quality to grok-imagine-image-2.0 as its price tier', async () => {
    await adapter.generate(job({ model: 'grok-imagine-image-2.0', params: { quality: 'low' } }), routeTo(fake.url, 'grok-imagine-image-2.0'), callContext());
    expect(sent().json).toMatchObject({ model: 'grok-imagine-image-2.0', quality: 'low' });
  });

  it('refuses size before any call, naming size, since xAI has none', () => {
    const e = thrown(() => adapter.validate!(job({ params: { size: '1024x1024' } }), routeTo(fake.url)));
    expect(e).toMatchObject({ code: 'invalid_request', param: 'size' });
    expect(e.message).toMatch(/xAI image models have no size parameter/);
  });

  it('refuses style and quality on grok-imagine-image, naming the field', () => {
    expect(thrown(() => adapter.validate!(job({ params: { style: 'vivid' } }), routeTo(fake.url))).param).toBe('style');
    expect(thrown(() => adapter.validate!(job({ params: { quality: 'low' } }), routeTo(fake.url))).param).toBe('quality');
  });

  it('refuses n above the catalog max of 10', () => {
    expect(thrown(() => adapter.validate!(job({ n: 11 }), routeTo(fake.url))).param).toBe('n');
  });

  it('refuses edits: xAI is offered for text-to-image only', () => {
    expect(thrown(() => adapter.validate!(job({ operation: 'edit' }), routeTo(fake.url))).param).toBe('model');
  });
});

describe('xai generations: the answer', () => {
  it('returns b64 JPEG images with the revised prompt', async () => {
    const r = await adapter.generate(job({ params: { aspect_ratio: '2:1' } }), routeTo(fake.url), callContext());
    const img = r.images[0]!;
    if (img.payload.kind !== 'b64') throw new Error(`expected b64, got ${img.payload.kind}`);
    expect(img.payload.mime).toBe('image/jpeg');
    expect(await imageSize(decodeBase64(img.payload.b64))).toMatchObject({ width: 1024, height: 512, format: 'jpeg' });
    expect(img.revisedPrompt).toBe('revised: a red fox in snow');
    expect(r.upstreamRequestId).toMatch(/^xai-/);
  });

  it('returns url answers as remote payloads for the pipeline to re-host', async () => {
    const r = await adapter.generate(job({ responseFormat: 'url' }), routeTo(fake.url), callContext());
    expect(sent().json).toMatchObject({ response_format: 'url' });
    const img = r.images[0]!;
    if (img.payload.kind !== 'remote') throw new Error(`expected remote, got ${img.payload.kind}`);
    expect(img.payload.url.startsWith(`${fake.url}/files/`)).toBe(true);
  });

  it('never delivers an image xAI marked respect_moderation false, counting it failed', async () => {
    fake.withholdNext = [1];
    const r = await adapter.generate(job({ n: 3 }), routeTo(fake.url), callContext());
    expect(r.images).toHaveLength(2);
    expect(r.failedCount).toBe(1);
  });

  it('is a content_policy_violation when xAI withheld every image', async () => {
    fake.withholdNext = [2];
    const e = await failure(adapter.generate(job({ n: 2 }), routeTo(fake.url), callContext()));
    expect(e).toMatchObject({ code: 'content_policy_violation', retryable: false });
  });
});

describe('xai errors', () => {
  it('maps a moderation refusal to content_policy_violation, not retryable', async () => {
    fake.refuseNext = 1;
    const e = await failure(adapter.generate(job(), routeTo(fake.url), callContext()));
    expect(e).toMatchObject({ code: 'content_policy_violation', retryable: false, status: 400 });
  });

  it('maps a wrong key (xAI answers 400) to a retryable operator fault that names no key', async () => {
    const e = await failure(adapter.generate(job(), routeTo(fake.url, 'grok-imagine-image', { apiKey: 'xai-wrong-secret' }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true, status: 502 });
    expect(e.message).not.toContain('xai-wrong-secret');
  });

  it('maps a team out of credits (429) to a retryable operator fault, not a rate limit', async () => {
    fake.outOfCreditsNext = 1;
    const e = await failure(adapter.generate(job(), routeTo(fake.url), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(e.message).toMatch(/credits/);
  });

  it('maps "Argument not supported" to a non-retryable gateway fault (502), not the client\'s 400', async () => {
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 400;
    fake.knobs.failBody = { code: 'Client specified an invalid argument', error: 'Argument not supported: resolution' };
    const e = await failure(adapter.generate(job(), routeTo(fake.url), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: false, status: 502 });
    expect(e.message).toMatch(/gateway or catalog fault/);
  });

  it('maps a plain 429 to rate_limit_exceeded and a 503 to a retryable upstream_error', async () => {
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 429;
    fake.knobs.failBody = { code: 'Some resource has been exhausted', error: 'Too many requests' };
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'rate_limit_exceeded', retryable: true });
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 503;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true });
  });

  it('maps a dropped connection and a slow reply past the deadline to retryable failures', async () => {
    fake.knobs.dropNext = 1;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true });
    fake.knobs.latencyMs = 500;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext(100)))).toMatchObject({ code: 'upstream_error', retryable: true });
  });
});
