import { decodeBase64 } from '../../../src/bytes/base64.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { imageSize } from '../../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { callContext, FAKE_KEY, inputImage, job, routeTo, failure, sha256 } from './job.js';

let fake: OpenAIFake;
const adapter = createOpenAIAdapter();

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('openai edits and variations: the multipart request', () => {
  it('sends two edit images as image[] and the mask as mask, byte for byte, with the edit fields', async () => {
    const first = await inputImage('image[0]', 64, 64, { shade: 10 });
    const second = await inputImage('image[1]', 48, 32, { format: 'jpeg', shade: 200 });
    const mask = await inputImage('mask', 64, 64, { alpha: true });
    const params = {
      size: '1024x1536',
      quality: 'low',
      input_fidelity: 'high',
      background: 'transparent',
      output_format: 'webp' as const,
      output_compression: 60,
    };
    const r = await adapter.generate(job({ operation: 'edit', n: 2, images: [first, second], mask, params, user: 'u-7' }), routeTo(fake.url), callContext());

    const req = fake.requestsTo('/v1/images/edits')[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(fake.lastFiles).toEqual([
      { field: 'image[]', filename: 'image_0.png', type: 'image/png', bytes: first.bytes.length, sha256: sha256(first.bytes) },
      { field: 'image[]', filename: 'image_1.jpg', type: 'image/jpeg', bytes: second.bytes.length, sha256: sha256(second.bytes) },
      { field: 'mask', filename: 'mask.png', type: 'image/png', bytes: mask.bytes.length, sha256: sha256(mask.bytes) },
    ]);
    expect(fake.lastFields).toEqual({ model: 'gpt-image-1', prompt: 'a red fox in snow', n: '2', ...params, output_compression: '60', user: 'u-7' });
    expect(r.images).toHaveLength(2);
    expect(r.images[0]!.payload).toMatchObject({ kind: 'b64', mime: 'image/webp' });
  });

  it("sends an edit with moderation in OpenAI's JSON edit form, the images and mask as data URLs of the same bytes", async () => {
    const first = await inputImage('image[0]', 64, 64, { shade: 10 });
    const second = await inputImage('image[1]', 64, 64, { format: 'jpeg', shade: 200 });
    const mask = await inputImage('mask', 64, 64, { alpha: true });
    const params = { moderation: 'low', quality: 'high', input_fidelity: 'high', output_format: 'webp' as const, output_compression: 70 };
    const r = await adapter.generate(
      job({ operation: 'edit', images: [first, second], mask, params, user: 'u-9' }),
      routeTo(fake.url, 'gpt-image-1.5'),
      callContext(),
    );

    const req = fake.requestsTo('/v1/images/edits')[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    const dataUrl = (img: typeof first) => `data:${img.mime};base64,${img.bytes.toString('base64')}`;
    expect(req.json).toEqual({
      model: 'gpt-image-1.5',
      prompt: 'a red fox in snow',
      n: 1,
      ...params,
      user: 'u-9',
      images: [{ image_url: dataUrl(first) }, { image_url: dataUrl(second) }],
      mask: { image_url: dataUrl(mask) },
    });
    expect(r.images[0]!.payload).toMatchObject({ kind: 'b64', mime: 'image/webp' });
  });

  it('sends a single edit image as image, not image[]', async () => {
    const only = await inputImage('image', 64, 64);
    await adapter.generate(job({ operation: 'edit', images: [only] }), routeTo(fake.url), callContext());
    expect(fake.lastFiles.map((f) => [f.field, f.sha256])).toEqual([['image', sha256(only.bytes)]]);
  });

  it('sends image-to-image references to /images/edits, as GPT image models take references as edit images', async () => {
    const refs = [await inputImage('image_urls[0]', 64, 64), await inputImage('image_urls[1]', 64, 64, { shade: 160 })];
    await adapter.generate(job({ operation: 'image-to-image', images: refs }), routeTo(fake.url, 'gpt-image-1.5'), callContext());
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/images/edits']);
    expect(fake.lastFiles.map((f) => f.field)).toEqual(['image[]', 'image[]']);
    expect(fake.lastFields).toEqual({ model: 'gpt-image-1.5', prompt: 'a red fox in snow', n: '1' });
  });

  it('sends a dall-e-2 edit with response_format and its mask', async () => {
    const square = await inputImage('image', 64, 64);
    const mask = await inputImage('mask', 64, 64, { alpha: true });
    const r = await adapter.generate(
      job({ model: 'dall-e-2', operation: 'edit', images: [square], mask, params: { size: '512x512' }, responseFormat: 'url' }),
      routeTo(fake.url, 'dall-e-2'),
      callContext(),
    );
    expect(fake.lastFields).toEqual({ model: 'dall-e-2', prompt: 'a red fox in snow', n: '1', size: '512x512', response_format: 'url' });
    expect(fake.lastFiles.map((f) => f.field)).toEqual(['image', 'mask']);
    expect(r.images[0]!.payload.kind).toBe('remote');
  });

  it('sends a dall-e-2 variation to /images/variations with image, n, size and response_format, and no prompt', async () => {
    const square = await inputImage('image', 64, 64);
    const r = await adapter.generate(
      job({ model: 'dall-e-2', operation: 'variation', prompt: '', n: 2, images: [square], params: { size: '256x256' } }),
      routeTo(fake.url, 'dall-e-2'),
      callContext(),
    );
    expect(fake.requests.map((q) => q.path)).toEqual(['/v1/images/variations']);
    expect(fake.lastFields).toEqual({ model: 'dall-e-2', n: '2', size: '256x256', response_format: 'b64_json' });
    expect(fake.lastFiles).toEqual([{ field: 'image', filename: 'image_0.png', type: 'image/png', bytes: square.bytes.length, sha256: sha256(square.bytes) }]);
    expect(r.images).toHaveLength(2);
    const payload = r.images[1]!.payload;
    if (payload.kind !== 'b64') throw new Error('expected b64');
    expect(await imageSize(decodeBase64(payload.b64))).toMatchObject({ width: 256, height: 256 });
  });

  it('keeps a prompt with quotes, line breaks, non-ASCII text and a boundary-like line intact', async () => {
    const prompt = 'a "quoted" fox\r\n--not-a-boundary\nüber café 狐狸 🦊';
    await adapter.generate(job({ operation: 'edit', prompt, images: [await inputImage('image', 64, 64)] }), routeTo(fake.url), callContext());
    expect(fake.lastFields.prompt).toBe(prompt);
  });

  it("surfaces the fake's refusal of a mask whose size differs from the first image as a 400 on mask", async () => {
    // validate() leaves mask geometry to the core's input checks; this pins what OpenAI answers if one slips through.
    const e = await failure(
      adapter.generate(
        job({ operation: 'edit', images: [await inputImage('image', 64, 64)], mask: await inputImage('mask', 32, 32, { alpha: true }) }),
        routeTo(fake.url),
        callContext(),
      ),
    );
    expect([e.status, e.code, e.param]).toEqual([400, 'invalid_request', 'mask']);
    expect(e.message).toContain('must match');
  });
});
