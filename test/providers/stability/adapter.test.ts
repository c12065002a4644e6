import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../src/bytes/base64.js';
import type { ImageResult } from '../../../src/domain/job.js';
import { createStabilityAdapter } from '../../../src/providers/stability/adapter.js';
import { imageSize } from '../../fakes/images.js';
import { StabilityFake, startStabilityFake } from '../../fakes/stability.js';
import { callContext, FAKE_KEY, failure, inputImage, job, routeTo, thrown } from './job.js';

let fake: StabilityFake;
const adapter = createStabilityAdapter();

beforeAll(async () => {
  fake = await startStabilityFake(FAKE_KEY);
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const last = () => fake.requests.at(-1)!;
const sentFields = async () => {
  const form = await StabilityFake.form(last());
  return Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : `file:${v.type}`]));
};
async function bytesOf(result: ImageResult): Promise<Buffer> {
  const p = result.images[0]!.payload;
  if (p.kind === 'bytes') return p.bytes;
  if (p.kind === 'b64') return decodeBase64(p.b64);
  throw new Error(`unexpected payload ${p.kind}`);
}

describe('stability generate: the multipart request', () => {
  it('sends core the prompt and its params under their names, as multipart, asking for image bytes', async () => {
    const params = { aspect_ratio: '16:9', negative_prompt: 'blur', seed: 42, output_format: 'webp' as const, style_preset: 'anime' };
    const r = await adapter.generate(job({ params }), routeTo(fake.url), callContext());
    expect(last().path).toBe('/v2beta/stable-image/generate/core');
    expect(last().headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(last().headers.accept).toBe('image/*');
    expect(await sentFields()).toEqual({
      prompt: 'a red fox in snow',
      aspect_ratio: '16:9',
      negative_prompt: 'blur',
      seed: '42',
      output_format: 'webp',
      style_preset: 'anime',
    });
    expect(r.images[0]!.payload).toMatchObject({ kind: 'bytes', mime: 'image/webp' });
    expect(await imageSize(await bytesOf(r))).toMatchObject({ width: 1344, height: 768, format: 'webp' });
  });

  it('sends an SD 3.5 model to the sd3 service with the model field', async () => {
    await adapter.generate(
      job({ model: 'sd3.5-large-turbo', params: { cfg_scale: 2 } }),
      routeTo(fake.url, 'sd3.5-large-turbo', 'sd3.5-large-turbo'),
      callContext(),
    );
    expect(last().path).toBe('/v2beta/stable-image/generate/sd3');
    expect(await sentFields()).toEqual({ model: 'sd3.5-large-turbo', prompt: 'a red fox in snow', cfg_scale: '2' });
  });

  it('reads the JSON answer (base64 image) when the route asks for it', async () => {
    const r = await adapter.generate(
      job({ params: { output_format: 'jpeg' } }),
      routeTo(fake.url, 'stable-image-core', 'core', { options: { answer: 'json' } }),
      callContext(),
    );
    expect(last().headers.accept).toBe('application/json');
    expect(r.images[0]!.payload).toMatchObject({ kind: 'b64', mime: 'image/jpeg' });
    expect(await imageSize(await bytesOf(r))).toMatchObject({ width: 1024, height: 1024, format: 'jpeg' });
  });

  it('makes n images as n calls', async () => {
    const r = await adapter.generate(job({ n: 3 }), routeTo(fake.url), callContext());
    expect(r.images).toHaveLength(3);
    expect(fake.requests).toHaveLength(3);
  });

  it('counts a failed call among n as a failed image, and delivers the rest', async () => {
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 500;
    fake.knobs.failBody = { id: 'x', name: 'internal_error', errors: ['boom'] };
    const r = await adapter.generate(job({ n: 2 }), routeTo(fake.url), callContext());
    expect(r.images).toHaveLength(1);
    expect(r.failedCount).toBe(1);
  });
});

describe('stability: what is refused before any call', () => {
  it('refuses size, naming it: Stability sizes follow aspect_ratio', () => {
    expect(thrown(() => adapter.validate!(job({ params: { size: '1024x1024' } }), routeTo(fake.url)))).toMatchObject({
      code: 'invalid_request',
      param: 'size',
    });
  });

  it('refuses webp on the sd3 service, naming output_format', () => {
    const e = thrown(() =>
      adapter.validate!(job({ model: 'sd3.5-large', params: { output_format: 'webp' } }), routeTo(fake.url, 'sd3.5-large', 'sd3.5-large')),
    );
    expect(e.param).toBe('output_format');
  });

  it('refuses a seed with n > 1, which would make identical images', () => {
    expect(thrown(() => adapter.validate!(job({ n: 2, params: { seed: 7 } }), routeTo(fake.url))).param).toBe('seed');
  });

  it('refuses search-and-replace without search_prompt, and outpaint without a side to add', async () => {
    const img = [await inputImage('image', 256, 256)];
    const sr = job({ model: 'stability-search-and-replace', operation: 'edit', images: img });
    expect(thrown(() => adapter.validate!(sr, routeTo(fake.url, 'stability-search-and-replace', 'search-and-replace'))).param).toBe('search_prompt');
    const op = job({ model: 'stability-outpaint', operation: 'edit', images: img, params: { left: 0 } });
    expect(thrown(() => adapter.validate!(op, routeTo(fake.url, 'stability-outpaint', 'outpaint'))).param).toBe('left');
  });

  it('refuses a prompt on erase, which takes none', async () => {
    const e = job({ model: 'stability-erase', operation: 'edit', images: [await inputImage('image', 256, 256)] });
    expect(thrown(() => adapter.validate!(e, routeTo(fake.url, 'stability-erase', 'erase'))).param).toBe('prompt');
  });
});

describe('stability edits', () => {
  it('sends inpaint the image, the mask and the prompt, and answers at the source size', async () => {
    const j = job({
      model: 'stability-inpaint',
      operation: 'edit',
      images: [await inputImage('image', 320, 256)],
      mask: await inputImage('mask', 320, 256, { alpha: true }),
      params: { grow_mask: 10 },
    });
    const r = await adapter.generate(j, routeTo(fake.url, 'stability-inpaint', 'inpaint'), callContext());
    expect(last().path).toBe('/v2beta/stable-image/edit/inpaint');
    expect(await sentFields()).toEqual({ prompt: 'a red fox in snow', grow_mask: '10', image: 'file:image/png', mask: 'file:image/png' });
    expect(await imageSize(await bytesOf(r))).toMatchObject({ width: 320, height: 256 });
  });

  it('sends erase the image and mask with no prompt', async () => {
    const j = job({
      model: 'stability-erase',
      operation: 'edit',
      prompt: '',
      images: [await inputImage('image', 256, 256)],
      mask: await inputImage('mask', 256, 256),
    });
    await adapter.generate(j, routeTo(fake.url, 'stability-erase', 'erase'), callContext());
    expect(await sentFields()).toEqual({ image: 'file:image/png', mask: 'file:image/png' });
  });

  it('sends search-and-replace its search_prompt beside the prompt', async () => {
    const j = job({
      model: 'stability-search-and-replace',
      operation: 'edit',
      images: [await inputImage('image', 256, 256)],
      params: { search_prompt: 'the dog' },
    });
    await adapter.generate(j, routeTo(fake.url, 'stability-search-and-replace', 'search-and-replace'), callContext());
    expect(last().path).toBe('/v2beta/stable-image/edit/search-and-replace');
    expect(await sentFields()).toEqual({ prompt: 'a red fox in snow', search_prompt: 'the dog', image: 'file:image/png' });
  });

  it('sends outpaint its sides and answers the grown image', async () => {
    const j = job({ model: 'stability-outpaint', operation: 'edit', images: [await inputImage('image', 256, 256)], params: { left: 64, down: 32 } });
    const r = await adapter.generate(j, routeTo(fake.url, 'stability-outpaint', 'outpaint'), callContext());
    expect(await imageSize(await bytesOf(r))).toMatchObject({ width: 320, height: 288 });
  });
});

describe('stability errors', () => {
  it('maps finish reason CONTENT_FILTERED to content_policy_violation, in both answer kinds', async () => {
    fake.filterNext = 2;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'content_policy_violation', retryable: false });
    const json = routeTo(fake.url, 'stable-image-core', 'core', { options: { answer: 'json' } });
    expect(await failure(adapter.generate(job(), json, callContext()))).toMatchObject({ code: 'content_policy_violation', retryable: false });
  });

  it('maps finish reason ERROR to a retryable upstream_error, and delivers no image', async () => {
    fake.errorFinishNext = 1;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true });
  });

  it('maps a 403 content_moderation to content_policy_violation', async () => {
    fake.moderateNext = 1;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'content_policy_violation', status: 400 });
  });

  it('maps 402 payment_required and a wrong key to retryable operator faults that name no key', async () => {
    fake.outOfCreditsNext = 1;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true, status: 502 });
    const e = await failure(adapter.generate(job(), routeTo(fake.url, 'stable-image-core', 'core', { apiKey: 'sk-wrong-secret' }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true, status: 502 });
    expect(e.message).not.toContain('sk-wrong-secret');
  });

  it('maps a 400 naming a client field to invalid_request with that param, and one naming no field to a gateway fault', async () => {
    fake.knobs.failNext = 2;
    fake.knobs.failStatus = 400;
    fake.knobs.failBody = { id: 'a', name: 'bad_request', errors: ['image: dimensions must be at most 9,437,184 pixels'] };
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'invalid_request', param: 'image' });
    fake.knobs.failBody = { id: 'a', name: 'bad_request', errors: ['accept: must be image/* or application/json'] };
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: false, status: 502 });
  });

  it('maps 422 invalid_language to invalid_request naming prompt', async () => {
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 422;
    fake.knobs.failBody = { id: 'a', name: 'invalid_language', errors: ['English is the only supported language for this service.'] };
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'invalid_request', param: 'prompt' });
  });

  it('maps 429, 5xx, a dropped connection and a slow reply to retryable failures', async () => {
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 429;
    fake.knobs.failBody = { id: 'a', name: 'rate_limit_exceeded', errors: ['You have exceeded the rate limit of 150 requests within a 10 second period.'] };
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'rate_limit_exceeded', retryable: true });
    fake.knobs.failNext = 1;
    fake.knobs.failStatus = 500;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true });
    fake.knobs.dropNext = 1;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true });
    fake.knobs.latencyMs = 500;
    expect(await failure(adapter.generate(job(), routeTo(fake.url), callContext(100)))).toMatchObject({ code: 'upstream_error', retryable: true });
  });
});

describe('stability image-to-image', () => {
  it('sends ultra the start image with strength, and no aspect_ratio', async () => {
    const j = job({ model: 'stable-image-ultra', operation: 'image-to-image', images: [await inputImage('image_url', 320, 256)], params: { strength: 0.4 } });
    const r = await adapter.generate(j, routeTo(fake.url, 'stable-image-ultra', 'ultra'), callContext());
    expect(last().path).toBe('/v2beta/stable-image/generate/ultra');
    expect(await sentFields()).toEqual({ prompt: 'a red fox in snow', strength: '0.4', image: 'file:image/png' });
    expect(await imageSize(await bytesOf(r))).toMatchObject({ width: 320, height: 256 });
  });

  it('tells sd3 its mode', async () => {
    const j = job({ model: 'sd3.5-medium', operation: 'image-to-image', images: [await inputImage('image_url', 256, 256)], params: { strength: 0.7 } });
    await adapter.generate(j, routeTo(fake.url, 'sd3.5-medium', 'sd3.5-medium'), callContext());
    expect(await sentFields()).toEqual({
      model: 'sd3.5-medium',
      mode: 'image-to-image',
      prompt: 'a red fox in snow',
      strength: '0.7',
      image: 'file:image/png',
    });
  });

  it('refuses image-to-image without strength, with aspect_ratio, or on core', async () => {
    const images = [await inputImage('image_url', 256, 256)];
    const ultra = routeTo(fake.url, 'stable-image-ultra', 'ultra');
    expect(thrown(() => adapter.validate!(job({ model: 'stable-image-ultra', operation: 'image-to-image', images }), ultra)).param).toBe('strength');
    const withRatio = job({ model: 'stable-image-ultra', operation: 'image-to-image', images, params: { strength: 0.5, aspect_ratio: '1:1' } });
    expect(thrown(() => adapter.validate!(withRatio, ultra)).param).toBe('aspect_ratio');
    expect(thrown(() => adapter.validate!(job({ operation: 'image-to-image', images, params: { strength: 0.5 } }), routeTo(fake.url))).param).toBe('model');
  });
});
