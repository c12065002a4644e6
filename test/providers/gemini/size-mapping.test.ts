import { decodeBase64 } from '../../../src/bytes/base64.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageParams } from '../../../src/domain/job.js';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';
import { imageSize } from '../../fakes/images.js';
import { callContext, job, routeTo, inputImage, thrown } from './job.js';

let fake: GeminiFake;
const adapter = createGeminiAdapter();
const route = (model: string) => routeTo(`${fake.url}/v1beta`, model);
const validation = (model: string, params: ImageParams) => thrown(() => adapter.validate!(job({ model, params }), routeTo('http://unused', model)));

beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const FLASH = 'gemini-2.5-flash-image';
const PRO = 'gemini-3-pro-image-preview';
const FLASH31 = 'gemini-3.1-flash-image-preview';

describe('gemini adapter: size, aspect_ratio and resolution → imageConfig', () => {
  it.each([
    [FLASH, { size: '1536x1024' }, { aspectRatio: '3:2' }, '1248x832'],
    [FLASH, { size: '1024x1536' }, { aspectRatio: '2:3' }, '832x1248'],
    [FLASH, { size: '1024x1024' }, { aspectRatio: '1:1' }, '1024x1024'],
    [FLASH, { size: '1344x768' }, { aspectRatio: '16:9' }, '1344x768'],
    [FLASH, { aspect_ratio: '21:9' }, { aspectRatio: '21:9' }, '1536x672'],
    [PRO, { size: '1536x1024' }, { aspectRatio: '3:2', imageSize: '1K' }, '1264x848'],
    [PRO, { size: '2752x1536' }, { aspectRatio: '16:9', imageSize: '2K' }, '2752x1536'],
    [PRO, { size: '2048x2048', aspect_ratio: '1:1', resolution: '2K' }, { aspectRatio: '1:1', imageSize: '2K' }, '2048x2048'],
    [PRO, { aspect_ratio: '4:5', resolution: '2K' }, { aspectRatio: '4:5', imageSize: '2K' }, '1856x2304'],
    [PRO, { size: '3072x5504' }, { aspectRatio: '9:16', imageSize: '4K' }, '3072x5504'],
    [FLASH31, { aspect_ratio: '1:4' }, { aspectRatio: '1:4' }, '512x2048'],
    [FLASH31, { size: '3072x384' }, { aspectRatio: '8:1', imageSize: '1K' }, '3072x384'],
    [FLASH31, { size: '1024x4096' }, { aspectRatio: '1:4', imageSize: '2K' }, '1024x4096'],
  ] as const)('%s: %j → imageConfig %j, reporting the real output size %s', async (model, params, imageConfig, size) => {
    const r = await adapter.generate(job({ model, params: { ...params } }), route(model), callContext());
    const sent = fake.requests[0]!.json as { generationConfig: { imageConfig?: unknown } };
    expect(sent.generationConfig.imageConfig).toEqual(imageConfig);
    expect(r.images[0]!.size).toBe(size);
    // The fake draws Google's documented dimensions from its own table: the reported size must be the real one.
    const payload = r.images[0]!.payload;
    if (payload.kind !== 'b64') throw new Error('expected base64');
    const d = await imageSize(decodeBase64(payload.b64));
    expect(`${d.width}x${d.height}`).toBe(size);
  });

  it('sends no aspectRatio for size auto and leaves the size unreported', async () => {
    const r = await adapter.generate(job({ params: { size: 'auto' } }), route(FLASH), callContext());
    expect(fake.requests[0]!.json).not.toHaveProperty('generationConfig.imageConfig');
    expect(r.images[0]!.size).toBeUndefined();
  });

  it('sends only imageSize for a resolution without a ratio', async () => {
    const r = await adapter.generate(job({ model: PRO, params: { resolution: '2K' } }), route(PRO), callContext());
    expect(fake.requests[0]!.json).toMatchObject({ generationConfig: { imageConfig: { imageSize: '2K' } } });
    expect(fake.requests[0]!.json).not.toHaveProperty('generationConfig.imageConfig.aspectRatio');
    expect(r.images[0]!.size).toBeUndefined();
  });

  it('with references and no requested shape sends the ratio nearest the first reference', async () => {
    const wide = await inputImage('image_urls[0]', 1600, 900);
    const tall = await inputImage('image_urls[1]', 900, 1600);
    const r = await adapter.generate(job({ operation: 'image-to-image', images: [wide, tall] }), route(FLASH), callContext());
    expect(fake.requests[0]!.json).toMatchObject({ generationConfig: { imageConfig: { aspectRatio: '16:9' } } });
    expect(r.images[0]!.size).toBe('1344x768');
  });
});

describe('gemini adapter: requests Gemini cannot honour exactly are 400s before any call', () => {
  it('rejects a size outside 2.5 Flash table, listing the accepted sizes and pointing to aspect_ratio', () => {
    const e = validation(FLASH, { size: '2048x2048' });
    expect([e.code, e.status, e.param]).toEqual(['invalid_request', 400, 'size']);
    expect(e.message).toContain('"2048x2048"');
    expect(e.message).toContain('1248x832');
    expect(e.message).toContain('1536x1024');
    expect(e.message).toContain('aspect_ratio (1:1, 2:3');
    expect(e.message).not.toContain('resolution');
  });

  it('rejects a 2.5 Flash size on 3 Pro, whose table differs, and lists 3 Pro sizes of every tier', () => {
    const e = validation(PRO, { size: '1248x832' });
    expect([e.code, e.param]).toEqual(['invalid_request', 'size']);
    expect(e.message).toContain('1264x848');
    expect(e.message).toContain('5504x3072');
    expect(e.message).toContain('resolution (1K, 2K, 4K)');
  });

  it('rejects an arbitrary size', () => {
    expect(validation(FLASH31, { size: '1000x1000' }).param).toBe('size');
  });

  it('rejects size with a disagreeing aspect_ratio, naming aspect_ratio', () => {
    const e = validation(FLASH, { size: '1536x1024', aspect_ratio: '16:9' });
    expect([e.code, e.param]).toEqual(['invalid_request', 'aspect_ratio']);
    expect(e.message).toContain('3:2');
  });

  it('rejects size with a disagreeing resolution, naming resolution', () => {
    const e = validation(PRO, { size: '1024x1024', resolution: '4K' });
    expect([e.code, e.param]).toEqual(['invalid_request', 'resolution']);
  });

  it('rejects resolution on 2.5 Flash, which has one output size', () => {
    const e = validation(FLASH, { resolution: '2K' });
    expect([e.code, e.param]).toEqual(['invalid_request', 'resolution']);
  });

  it('rejects the 3.1-only extreme ratios on 3 Pro', () => {
    const e = validation(PRO, { aspect_ratio: '1:8' });
    expect([e.code, e.param]).toEqual(['invalid_request', 'aspect_ratio']);
    expect(e.message).toContain('21:9');
  });

  it('rejects a mask: Gemini edits have none', async () => {
    const mask = await inputImage('mask', 64, 64);
    const e = thrown(() => adapter.validate!(job({ operation: 'edit', images: [mask], mask }), routeTo('http://unused')));
    expect([e.code, e.param]).toEqual(['invalid_request', 'mask']);
  });

  it('rejects more references than the model takes and an inline image over 7 MB', async () => {
    const img = await inputImage('image_urls[0]', 32, 32);
    const four = thrown(() => adapter.validate!(job({ operation: 'image-to-image', images: [img, img, img, img] }), routeTo('http://unused', FLASH)));
    expect([four.code, four.message]).toEqual(['invalid_request', expect.stringContaining('at most 3')]);
    const big = { ...img, field: 'image_urls[1]', bytes: Buffer.alloc(7 * 1024 * 1024 + 1) };
    const tooBig = thrown(() => adapter.validate!(job({ model: PRO, operation: 'image-to-image', images: [img, big] }), routeTo('http://unused', PRO)));
    expect([tooBig.code, tooBig.param]).toEqual(['invalid_request', 'image_urls[1]']);
  });

  it('fails generate without calling Gemini when validation fails', async () => {
    await expect(adapter.generate(job({ params: { size: '640x480' } }), route(FLASH), callContext())).rejects.toMatchObject({
      code: 'invalid_request',
      param: 'size',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('passes aspect_ratio and resolution through for a Gemini model it has no table for, and refuses size there', async () => {
    const model = 'gemini-9-image-experimental';
    expect(validation(model, { size: '1024x1024' }).param).toBe('size');
    // The fake does not serve this model (404), but the request it recorded shows the translation.
    await expect(adapter.generate(job({ model, params: { aspect_ratio: '16:9', resolution: '2K' } }), route(model), callContext())).rejects.toMatchObject({
      code: 'upstream_error',
      retryable: false,
    });
    expect(fake.requests[0]!.json).toMatchObject({ generationConfig: { imageConfig: { aspectRatio: '16:9', imageSize: '2K' } } });
  });
});
