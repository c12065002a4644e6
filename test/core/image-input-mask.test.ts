import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageInputRulesSchema } from '../../src/domain/model-spec.js';
import { GatewayError } from '../../src/domain/errors.js';
import { checkMask, inspectImage } from '../../src/media/image-input.js';
import type { InputImage } from '../../src/domain/job.js';

const MASKED = ImageInputRulesSchema.parse({ mask: true });
const UNMASKED = ImageInputRulesSchema.parse({});
const opts = { maxPixels: 100_000_000 };

async function refusal(run: () => unknown): Promise<GatewayError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError, but the call succeeded');
}

const opaque = (width: number, height: number, channels: 3 | 4) => sharp({ create: { width, height, channels, background: { r: 0, g: 0, b: 0, alpha: 1 } } });

/** An opaque RGBA PNG with a fully transparent square cut into it: the area to edit. */
async function maskBytes(width: number, height: number): Promise<Buffer> {
  const hole = await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
  return opaque(width, height, 4)
    .composite([{ input: hole, left: 0, top: 0, blend: 'dest-in' }])
    .png()
    .toBuffer();
}

const inspect = (bytes: Buffer, field: string) => inspectImage(bytes, field, opts);
const source = async (size: number): Promise<InputImage> => inspect(await opaque(size, size, 3).png().toBuffer(), 'image');

describe('checkMask', () => {
  it('accepts a PNG mask of the image size with a transparent area', async () => {
    const mask = await inspect(await maskBytes(256, 256), 'mask');
    await expect(checkMask(mask, await source(256), MASKED)).resolves.toBeUndefined();
  });

  it('accepts a greyscale+alpha mask and a palette mask whose tRNS makes pixels transparent', async () => {
    const rgba = await maskBytes(64, 64);
    const grey = await inspect(await sharp(rgba).toColourspace('b-w').png().toBuffer(), 'mask');
    const palette = await inspect(await sharp(rgba).png({ palette: true }).toBuffer(), 'mask');
    const first = await source(64);
    await expect(checkMask(grey, first, MASKED)).resolves.toBeUndefined();
    await expect(checkMask(palette, first, MASKED)).resolves.toBeUndefined();
  });

  it('refuses a mask on a model without mask support', async () => {
    const mask = await inspect(await maskBytes(64, 64), 'mask');
    const err = await refusal(() => checkMask(mask, mask, UNMASKED));
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'mask' });
    expect(err.message).toBe('mask was sent but this model does not take a mask; leave it out or choose a model that supports masks.');
  });

  it('refuses a mask that is not a PNG', async () => {
    const mask = await inspect(await opaque(64, 64, 4).webp().toBuffer(), 'mask');
    const first = await source(64);
    const err = await refusal(() => checkMask(mask, first, MASKED));
    expect(err).toMatchObject({ status: 400, param: 'mask' });
    expect(err.message).toBe('mask is a WEBP image; a mask must be a PNG whose transparent pixels mark the area to edit.');
  });

  it('refuses a mask whose size differs from the first image', async () => {
    const mask = await inspect(await maskBytes(512, 512), 'mask');
    const first = await source(1024);
    const err = await refusal(() => checkMask(mask, first, MASKED));
    expect(err).toMatchObject({ status: 400, param: 'mask' });
    expect(err.message).toBe('mask is 512x512 but image is 1024x1024; they must match. Resize the mask to 1024x1024.');
  });

  it('refuses a mask without an alpha channel', async () => {
    const mask = await inspect(await opaque(64, 64, 3).png().toBuffer(), 'mask');
    const first = await source(64);
    const err = await refusal(() => checkMask(mask, first, MASKED));
    expect(err).toMatchObject({ status: 400, param: 'mask' });
    expect(err.message).toBe('mask has no alpha channel; save it as a PNG with transparency, transparent where the image should be edited.');
  });

  it('refuses a mask with an alpha channel that is opaque everywhere', async () => {
    const mask = await inspect(await opaque(64, 64, 4).png().toBuffer(), 'mask');
    expect(mask.hasAlpha).toBe(true);
    const first = await source(64);
    const err = await refusal(() => checkMask(mask, first, MASKED));
    expect(err).toMatchObject({ status: 400, param: 'mask' });
    expect(err.message).toBe('mask is fully opaque, so it marks nothing to edit; make the area to edit transparent (alpha 0).');
  });

  it('refuses a fully opaque 16-bit mask too', async () => {
    const mask = await inspect(await opaque(32, 32, 4).toColourspace('rgb16').png().toBuffer(), 'mask');
    const first = await source(32);
    const err = await refusal(() => checkMask(mask, first, MASKED));
    expect(err.message).toContain('mask is fully opaque');
  });

  it('refuses a mask whose header is sound but whose image data is corrupt', async () => {
    const bytes = Buffer.from(await maskBytes(64, 64));
    const idat = bytes.indexOf('IDAT', 0, 'latin1');
    const length = bytes.readUInt32BE(idat - 4);
    bytes.fill(0xa5, idat + 4, idat + 4 + length); // garble the compressed data, leaving the chunk framing intact
    const mask = await inspect(bytes, 'mask');
    const first = await source(64);
    const err = await refusal(() => checkMask(mask, first, MASKED));
    expect(err).toMatchObject({ status: 400, param: 'mask' });
    expect(err.message).toBe('mask could not be decoded as PNG: its image data is damaged. Send the original file.');
  });
});
