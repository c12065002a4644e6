import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import { inspectImage, sniffImageType } from '../../src/media/image-input.js';

const MAX_PIXELS = 50_000_000;

async function refusal(run: () => unknown): Promise<GatewayError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError, but the call succeeded');
}

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 200, g: 40, b: 90, alpha: channels === 4 ? 0.5 : 1 } } });

/** Noise, so that encoders produce real entropy-coded data worth cutting in half. */
const noise = (width: number, height: number) => sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colourType;
  return pngChunk('IHDR', data);
}

/** A 1-bit greyscale PNG header declaring the given size, with one row of real data: tiny on the wire. */
function bombPng(width: number, height: number, opts: { complete: boolean }): Buffer {
  const header = Buffer.concat([PNG_SIGNATURE, ihdr(width, height, 1, 0)]);
  if (!opts.complete) return header;
  const oneRow = deflateSync(Buffer.alloc(1 + Math.ceil(width / 8)));
  return Buffer.concat([header, pngChunk('IDAT', oneRow), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Uncompressed BMP written by hand (sharp cannot encode BMP): 24-bit INFO header, or 32-bit V4 with an alpha mask. */
function makeBmp(width: number, height: number, opts: { alpha?: boolean } = {}): Buffer {
  const bitsPerPixel = opts.alpha ? 32 : 24;
  const infoSize = opts.alpha ? 108 : 40;
  const rowBytes = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  const pixelOffset = 14 + infoSize;
  const b = Buffer.alloc(pixelOffset + rowBytes * height, 0x7f);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(0, 6);
  b.writeUInt32LE(pixelOffset, 10);
  b.fill(0, 14, pixelOffset);
  b.writeUInt32LE(infoSize, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bitsPerPixel, 28);
  b.writeUInt32LE(opts.alpha ? 3 : 0, 30); // BI_BITFIELDS : BI_RGB
  b.writeUInt32LE(rowBytes * height, 34);
  if (opts.alpha) {
    b.writeUInt32LE(0x00ff0000, 54);
    b.writeUInt32LE(0x0000ff00, 58);
    b.writeUInt32LE(0x000000ff, 62);
    b.writeUInt32LE(0xff000000, 66);
  }
  return b;
}

describe('sniffImageType', () => {
  it('types PNG, JPEG, WEBP, GIF and BMP by their magic bytes', async () => {
    const image = solid(16, 16);
    expect(sniffImageType(await image.clone().png().toBuffer())).toBe('image/png');
    expect(sniffImageType(await image.clone().jpeg().toBuffer())).toBe('image/jpeg');
    expect(sniffImageType(await image.clone().webp().toBuffer())).toBe('image/webp');
    expect(sniffImageType(await image.clone().gif().toBuffer())).toBe('image/gif');
    expect(sniffImageType(makeBmp(16, 16))).toBe('image/bmp');
  });

  it('recognises GIF87a as well as GIF89a', async () => {
    const gif89 = await solid(8, 8).gif().toBuffer();
    const gif87 = Buffer.concat([Buffer.from('GIF87a', 'latin1'), gif89.subarray(6)]);
    expect(sniffImageType(gif87)).toBe('image/gif');
  });

  it('does not take random bytes, a RIFF that is not WEBP, or a bare "BM" for an image', () => {
    expect(sniffImageType(Buffer.from('not an image at all, just text'))).toBeUndefined();
    const wave = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.alloc(4), Buffer.from('WAVEfmt ', 'latin1')]);
    expect(sniffImageType(wave)).toBeUndefined();
    expect(sniffImageType(Buffer.concat([Buffer.from('BM', 'latin1'), Buffer.alloc(30, 0xee)]))).toBeUndefined();
    expect(sniffImageType(PNG_SIGNATURE.subarray(0, 6))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('inspectImage', () => {
  it('measures each format from its header and types it by content', async () => {
    const image = solid(40, 30);
    const cases = [
      [await image.clone().png().toBuffer(), 'image/png'],
      [await image.clone().jpeg().toBuffer(), 'image/jpeg'],
      [await image.clone().webp().toBuffer(), 'image/webp'],
      [await image.clone().gif().toBuffer(), 'image/gif'],
      [makeBmp(40, 30), 'image/bmp'],
    ] as const;
    for (const [bytes, mime] of cases) {
      const inspected = await inspectImage(bytes, 'image', { maxPixels: MAX_PIXELS });
      expect(inspected).toMatchObject({ field: 'image', mime, width: 40, height: 30 });
      expect(inspected.bytes).toBe(bytes); // kept as given, not copied or re-encoded
    }
  });

  it('types a PNG as PNG whatever it was declared as, since only its bytes are consulted', async () => {
    const png = await solid(20, 10).png().toBuffer();
    // A client may upload this as "photo.jpg" with Content-Type image/jpeg; inspectImage never sees either.
    const inspected = await inspectImage(png, 'image[0]', { maxPixels: MAX_PIXELS });
    expect(inspected.mime).toBe('image/png');
  });

  it('reports hasAlpha only for images that carry an alpha channel or PNG tRNS transparency', async () => {
    const opts = { maxPixels: MAX_PIXELS };
    const alphaOf = async (bytes: Buffer) => (await inspectImage(bytes, 'image', opts)).hasAlpha;
    expect(await alphaOf(await solid(8, 8, 4).png().toBuffer())).toBe(true); // colour type 6
    expect(await alphaOf(await solid(8, 8, 3).png().toBuffer())).toBe(false); // colour type 2
    expect(await alphaOf(await solid(8, 8, 4).toColourspace('b-w').png().toBuffer())).toBe(true); // colour type 4
    expect(await alphaOf(await solid(8, 8, 4).png({ palette: true }).toBuffer())).toBe(true); // palette + tRNS
    expect(await alphaOf(await solid(8, 8, 3).png({ palette: true }).toBuffer())).toBe(false); // palette, no tRNS
    expect(await alphaOf(await solid(8, 8, 4).webp().toBuffer())).toBe(true);
    expect(await alphaOf(await solid(8, 8, 4).jpeg().toBuffer())).toBe(false);
    expect(await alphaOf(makeBmp(8, 8, { alpha: true }))).toBe(true);
    expect(await alphaOf(makeBmp(8, 8))).toBe(false);
  });

  it('refuses random bytes (say, an upload named photo.png) as not an image, naming the field', async () => {
    const err = await refusal(() => inspectImage(randomBytes(2048), 'image[1]', { maxPixels: MAX_PIXELS }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'image[1]' });
    expect(err.message).toBe('image[1] is not a PNG, JPEG, WEBP, GIF or BMP image (checked by content).');
  });

  it('refuses a PNG cut off inside its image data as incomplete', async () => {
    const png = await noise(128, 128).png().toBuffer();
    const err = await refusal(() => inspectImage(png.subarray(0, Math.floor(png.length / 2)), 'image', { maxPixels: MAX_PIXELS }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'image' });
    expect(err.message).toBe('image is not a complete PNG: it ends before its IEND chunk, so it was cut off. Send the whole file.');
  });

  it('refuses a PNG cut off inside its header as unreadable', async () => {
    const png = await solid(64, 64).png().toBuffer();
    const err = await refusal(() => inspectImage(png.subarray(0, 20), 'mask', { maxPixels: MAX_PIXELS }));
    expect(err).toMatchObject({ status: 400, param: 'mask' });
    expect(err.message).toBe('mask could not be read as PNG: its header is damaged or incomplete. Send the original file.');
  });

  it('refuses a PNG whose IHDR declares an impossible bit depth', async () => {
    const bad = Buffer.concat([PNG_SIGNATURE, ihdr(8, 8, 3, 2), pngChunk('IEND', Buffer.alloc(0))]);
    const err = await refusal(() => inspectImage(bad, 'image', { maxPixels: MAX_PIXELS }));
    expect(err.message).toContain('could not be read as PNG');
  });

  it('refuses a complete PNG structure that holds no IDAT image data', async () => {
    const empty = Buffer.concat([PNG_SIGNATURE, ihdr(8, 8, 8, 2), pngChunk('IEND', Buffer.alloc(0))]);
    const err = await refusal(() => inspectImage(empty, 'image', { maxPixels: MAX_PIXELS }));
    expect(err.message).toBe('image is not a complete PNG: it has no image data (no IDAT chunk). Send the whole file.');
  });

  it('refuses a JPEG cut off before its end-of-image marker, which sharp would still read a header from', async () => {
    const jpeg = await noise(128, 128).jpeg().toBuffer();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.8));
    expect((await sharp(cut).metadata()).width).toBe(128); // the header alone looks fine
    const err = await refusal(() => inspectImage(cut, 'image_urls[0]', { maxPixels: MAX_PIXELS }));
    expect(err).toMatchObject({ status: 400, param: 'image_urls[0]' });
    expect(err.message).toBe('image_urls[0] is not a complete JPEG: it ends before its end-of-image marker, so it was cut off. Send the whole file.');
  });

  it('accepts a JPEG with bytes trailing its end-of-image marker', async () => {
    const jpeg = await noise(32, 32).jpeg().toBuffer();
    const inspected = await inspectImage(Buffer.concat([jpeg, Buffer.from('trailer')]), 'image', { maxPixels: MAX_PIXELS });
    expect(inspected).toMatchObject({ mime: 'image/jpeg', width: 32, height: 32 });
  });

  it('refuses cut-off WEBP, GIF and BMP files', async () => {
    const webp = await noise(128, 128).webp().toBuffer();
    const gif = await noise(128, 128).gif().toBuffer();
    const bmp = makeBmp(64, 64);
    for (const [bytes, name] of [
      [webp, 'WEBP'],
      [gif, 'GIF'],
      [bmp, 'BMP'],
    ] as const) {
      const err = await refusal(() => inspectImage(bytes.subarray(0, Math.floor(bytes.length * 0.7)), 'image', { maxPixels: MAX_PIXELS }));
      expect(err).toMatchObject({ status: 400, param: 'image' });
      expect(err.message).toMatch(new RegExp(`^image (could not be read as|is not a complete) ${name}`));
    }
  });

  it('refuses a 50000x50000 PNG bomb by the pixel cap from its header alone, quickly', async () => {
    const bomb = bombPng(50_000, 50_000, { complete: true });
    // The file is a well-formed PNG that a decoder would try to expand to 2.5 gigapixels.
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({ width: 50_000, height: 50_000 });
    const started = performance.now();
    const err = await refusal(() => inspectImage(bomb, 'image[0]', { maxPixels: MAX_PIXELS }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'image[0]' });
    expect(err.message).toBe('image[0] is 50000x50000 (2500000000 pixels); at most 50000000 pixels are accepted per input image. Downscale it and retry.');
  });

  it('refuses a bare PNG header declaring 50000x50000 by the pixel cap, not as a damaged file', async () => {
    const err = await refusal(() => inspectImage(bombPng(50_000, 50_000, { complete: false }), 'image', { maxPixels: MAX_PIXELS }));
    expect(err.message).toContain('is 50000x50000 (2500000000 pixels)');
  });

  it('refuses a JPEG whose frame header declares 60000x60000 by the pixel cap', async () => {
    const jpeg = await solid(16, 16).jpeg().toBuffer();
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    const patched = Buffer.from(jpeg);
    patched.writeUInt16BE(60_000, sof + 5); // height
    patched.writeUInt16BE(60_000, sof + 7); // width
    const started = performance.now();
    const err = await refusal(() => inspectImage(patched, 'image', { maxPixels: MAX_PIXELS }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(err.message).toContain('image is 60000x60000 (3600000000 pixels); at most 50000000 pixels');
  });

  it('accepts an image of exactly the pixel cap and refuses one pixel row more', async () => {
    const atCap = await solid(100, 50).png().toBuffer();
    await expect(inspectImage(atCap, 'image', { maxPixels: 5000 })).resolves.toMatchObject({ width: 100, height: 50 });
    const over = await solid(100, 51).png().toBuffer();
    const err = await refusal(() => inspectImage(over, 'image', { maxPixels: 5000 }));
    expect(err.message).toContain('is 100x51 (5100 pixels); at most 5000 pixels');
  });
});
