import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageInputRulesSchema, type ImageInputRules } from '../../src/domain/model-spec.js';
import { GatewayError } from '../../src/domain/errors.js';
import { checkImages, inspectImage } from '../../src/media/image-input.js';
import type { InputImage } from '../../src/domain/job.js';

const MB = 1024 * 1024;

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError, but the call succeeded');
}

const rules = (spec: Partial<ImageInputRules>): ImageInputRules => ImageInputRulesSchema.parse(spec);

/** A real image, inspected the way the gateway inspects uploads. */
async function image(
  field: string,
  width: number,
  height: number,
  opts: { format?: 'png' | 'jpeg' | 'webp' | 'gif'; alpha?: boolean } = {},
): Promise<InputImage> {
  const channels = opts.alpha ? 4 : 3;
  const bytes = await sharp({ create: { width, height, channels, background: { r: 10, g: 120, b: 200, alpha: 0.6 } } })
    .toFormat(opts.format ?? 'png')
    .toBuffer();
  return inspectImage(bytes, field, { maxPixels: 100_000_000 });
}

const named = (img: InputImage, field: string): InputImage => ({ ...img, field });

describe('checkImages', () => {
  it('accepts images that meet every rule', async () => {
    const images = [await image('image[0]', 512, 512, { alpha: true }), await image('image[1]', 512, 512, { format: 'webp', alpha: true })];
    expect(() =>
      checkImages(images, rules({ max_images: 2, min_side: 256, max_side: 1024, square: true, requires_alpha: true }), { fieldBase: 'image' }),
    ).not.toThrow();
  });

  it('refuses 17 images when the model takes 16, on the field as a whole, naming the first one too many', async () => {
    const one = await image('image[0]', 32, 32);
    const images = Array.from({ length: 17 }, (_, i) => named(one, `image[${i}]`));
    const err = refusal(() => checkImages(images, rules({ max_images: 16 }), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'image' });
    expect(err.message).toBe('image has 17 images; this model accepts at most 16. Remove image[16] and any after it.');
  });

  it('refuses fewer images than the model needs', async () => {
    const only = await image('image_urls[0]', 32, 32);
    const err = refusal(() => checkImages([only], rules({ max_images: 4, min_images: 2 }), { fieldBase: 'image_urls' }));
    expect(err).toMatchObject({ status: 400, param: 'image_urls' });
    expect(err.message).toBe('image_urls has 1 image; this model needs at least 2.');
  });

  it('refuses an image over the byte limit, naming it and both sizes in MB', async () => {
    // Uncompressed PNG of about 5.2 MB: 1000 pixels x 3 bytes + 1 filter byte per row.
    const raw = Buffer.alloc(1000 * 1817 * 3, 0x55);
    const bytes = await sharp(raw, { raw: { width: 1000, height: 1817, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(bytes.length / MB).toBeGreaterThan(5.15);
    expect(bytes.length / MB).toBeLessThan(5.25);
    const big = await inspectImage(bytes, 'image[2]', { maxPixels: 100_000_000 });
    const small = await image('image[0]', 32, 32);
    const images = [small, named(small, 'image[1]'), big];
    const err = refusal(() => checkImages(images, rules({ max_images: 3, max_bytes: 4 * MB }), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'image[2]' });
    expect(err.message).toBe('image[2] is 5.2 MB; this model accepts at most 4 MB per image.');
  });

  it('states byte counts when rounding would show the size and the limit as equal', async () => {
    const img = await image('image', 64, 64);
    const err = refusal(() => checkImages([img], rules({ max_bytes: img.bytes.length - 1 }), { fieldBase: 'image' }));
    expect(err.message).toBe(`image is ${img.bytes.length} bytes; this model accepts at most ${img.bytes.length - 1} bytes per image.`);
  });

  it('refuses a format the model does not list, and accepts it once listed', async () => {
    const gif = await image('image[0]', 64, 64, { format: 'gif' });
    const err = refusal(() => checkImages([gif], rules({}), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, param: 'image[0]' });
    expect(err.message).toBe('image[0] is a GIF image; this model accepts PNG, JPEG, WEBP. Convert it to one of those.');
    expect(() => checkImages([gif], rules({ formats: ['png', 'gif'] }), { fieldBase: 'image' })).not.toThrow();
  });

  it('refuses a side below min_side with the model range (DashScope 240–8000 px)', async () => {
    const img = await image('image', 200, 300);
    const err = refusal(() => checkImages([img], rules({ min_side: 240, max_side: 8000 }), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, param: 'image' });
    expect(err.message).toBe('image is 200x300; each side must be 240–8000 px for this model. Resize it.');
  });

  it('refuses a side above max_side with the model range', async () => {
    const img = await image('image_urls[1]', 8001, 240);
    const ok = await image('image_urls[0]', 240, 8000);
    const err = refusal(() => checkImages([ok, img], rules({ max_images: 2, min_side: 240, max_side: 8000 }), { fieldBase: 'image_urls' }));
    expect(err).toMatchObject({ status: 400, param: 'image_urls[1]' });
    expect(err.message).toBe('image_urls[1] is 8001x240; each side must be 240–8000 px for this model. Resize it.');
  });

  it('words a one-sided limit as "at most" or "at least"', async () => {
    const wide = await image('image', 4097, 16);
    expect(refusal(() => checkImages([wide], rules({ max_side: 4096 }), { fieldBase: 'image' })).message).toBe(
      'image is 4097x16; each side must be at most 4096 px for this model. Resize it.',
    );
    expect(refusal(() => checkImages([wide], rules({ min_side: 64 }), { fieldBase: 'image' })).message).toBe(
      'image is 4097x16; each side must be at least 64 px for this model. Resize it.',
    );
  });

  it('refuses a non-square image when the model needs square', async () => {
    const img = await image('image', 64, 48);
    const err = refusal(() => checkImages([img], rules({ square: true }), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, param: 'image' });
    expect(err.message).toBe('image is 64x48; this model needs a square image (width equal to height). Crop or pad it.');
  });

  it('refuses an image without alpha when the model requires transparency', async () => {
    const img = await image('image', 64, 64, { format: 'jpeg' });
    const err = refusal(() => checkImages([img], rules({ requires_alpha: true }), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, param: 'image' });
    expect(err.message).toBe('image has no alpha channel; this model needs an image with transparency (e.g. a PNG with alpha).');
  });

  it('refuses an image with alpha when the model takes none', async () => {
    const img = await image('image[0]', 64, 64, { alpha: true });
    const err = refusal(() => checkImages([img], rules({ no_alpha: true }), { fieldBase: 'image' }));
    expect(err).toMatchObject({ status: 400, param: 'image[0]' });
    expect(err.message).toBe('image[0] has an alpha channel; this model takes images without transparency. Flatten it (e.g. save as JPEG).');
  });

  it('names the first image that breaks a rule, in client order', async () => {
    const good = await image('image[0]', 64, 64);
    const bad = await image('image[1]', 64, 32);
    const alsoBad = await image('image[2]', 32, 64);
    const err = refusal(() => checkImages([good, bad, alsoBad], rules({ max_images: 3, square: true }), { fieldBase: 'image' }));
    expect(err.param).toBe('image[1]');
  });
});
