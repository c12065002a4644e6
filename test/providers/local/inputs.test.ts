import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/domain/errors.js';
import { makeImage } from '../../fakes/images.js';
import { adapter, callContext, generate, inputImageOf, job, route, rgba } from './support.js';

const SIDE = 256;
const SOURCE = { r: 30, g: 160, b: 90 };

/** A PNG mask whose left half is transparent (to be repainted) and right half opaque (to be kept). */
async function leftHalfMask(side: number): Promise<Buffer> {
  const px = Buffer.alloc(side * side * 4);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) px[(y * side + x) * 4 + 3] = x < side / 2 ? 0 : 255;
  return sharp(px, { raw: { width: side, height: side, channels: 4 } })
    .png()
    .toBuffer();
}

/** Mean of one channel over the whole picture. */
async function meanChannel(bytes: Buffer, channel: 0 | 1 | 2): Promise<number> {
  const { data } = await rgba(bytes);
  let sum = 0;
  for (let i = channel; i < data.length; i += 4) sum += data[i]!;
  return sum / (data.length / 4);
}

describe('local adapter: input images', () => {
  it('repaints only the transparent area of an edit mask and keeps the rest of the source exactly', async () => {
    const source = await inputImageOf(await makeImage(SIDE, SIDE, { color: SOURCE }), 'image');
    const mask = await inputImageOf(await leftHalfMask(SIDE), 'mask');
    const [bytes] = await generate({ operation: 'edit', prompt: 'a purple moon', images: [source], mask, params: { size: `${SIDE}x${SIDE}` } });
    const { data, width } = await rgba(bytes!);
    let keptOutside = 0;
    let changedInside = 0;
    for (let i = 0; i < data.length; i += 4) {
      const x = (i / 4) % width;
      const isSource = data[i] === SOURCE.r && data[i + 1] === SOURCE.g && data[i + 2] === SOURCE.b;
      if (x >= SIDE / 2 && isSource) keptOutside++;
      if (x < SIDE / 2 && !isSource) changedInside++;
    }
    const half = (SIDE * SIDE) / 2;
    expect(keptOutside).toBe(half);
    expect(changedInside / half).toBeGreaterThan(0.9);
  });

  it('blends the whole picture over the source when an edit has no mask', async () => {
    const source = await inputImageOf(await makeImage(SIDE, SIDE, { color: SOURCE }), 'image');
    const [edited] = await generate({ operation: 'edit', prompt: 'a purple moon', images: [source], params: { size: `${SIDE}x${SIDE}`, seed: 4 } });
    const [plain] = await generate({ prompt: 'a purple moon', params: { size: `${SIDE}x${SIDE}`, seed: 4 } });
    expect(edited!.equals(plain!)).toBe(false);
    expect(await meanChannel(edited!, 1)).toBeGreaterThan(await meanChannel(plain!, 1));
  });

  it('makes image-to-image output depend on the reference image', async () => {
    const red = await inputImageOf(await makeImage(300, 200, { color: { r: 230, g: 20, b: 20 } }), 'image_urls[0]');
    const blue = await inputImageOf(await makeImage(300, 200, { color: { r: 20, g: 20, b: 230 } }), 'image_urls[0]');
    const over = { operation: 'image-to-image' as const, prompt: 'a quiet harbour', params: { size: '200x200', seed: 9 } };
    const [overRed] = await generate({ ...over, images: [red] });
    const [overBlue] = await generate({ ...over, images: [blue] });
    expect(await meanChannel(overRed!, 0)).toBeGreaterThan((await meanChannel(overBlue!, 0)) + 50);
    expect(await meanChannel(overBlue!, 2)).toBeGreaterThan((await meanChannel(overRed!, 2)) + 50);
    const m = await sharp(overRed!).metadata();
    expect([m.width, m.height]).toEqual([200, 200]);
  });

  it('insets further reference images along the top edge', async () => {
    const base = await inputImageOf(await makeImage(256, 256, { color: { r: 0, g: 0, b: 0 } }), 'image_urls[0]');
    const white = await inputImageOf(await makeImage(64, 64, { color: { r: 255, g: 255, b: 255 } }), 'image_urls[1]');
    const over = { operation: 'image-to-image' as const, prompt: 'x', params: { size: '256x256', seed: 1 } };
    const [withInset] = await generate({ ...over, images: [base, white] });
    const { data, width } = await rgba(withInset!);
    // The first inset sits a few pixels in from the top-left corner, a side/6 square of the second reference.
    const at = (x: number, y: number) => data.readUInt32BE((y * width + x) * 4);
    expect(at(20, 20)).toBe(0xffffffff);
  });

  it('renders a variation from its input image, even without a prompt', async () => {
    const red = await inputImageOf(await makeImage(SIDE, SIDE, { color: { r: 230, g: 20, b: 20 } }), 'image');
    const green = await inputImageOf(await makeImage(SIDE, SIDE, { color: { r: 20, g: 230, b: 20 } }), 'image');
    const [fromRed] = await generate({ operation: 'variation', prompt: '', images: [red], params: { size: '128x128' } });
    const [fromGreen] = await generate({ operation: 'variation', prompt: '', images: [green], params: { size: '128x128' } });
    expect(await meanChannel(fromRed!, 0)).toBeGreaterThan((await meanChannel(fromGreen!, 0)) + 50);
    expect(await meanChannel(fromGreen!, 1)).toBeGreaterThan((await meanChannel(fromRed!, 1)) + 50);
  });

  it('ignores input images on text-to-image', async () => {
    const red = await inputImageOf(await makeImage(64, 64, { color: { r: 230, g: 20, b: 20 } }), 'image');
    const [withImage] = await generate({ images: [red], params: { size: '64x64', seed: 5 } });
    const [without] = await generate({ params: { size: '64x64', seed: 5 } });
    expect(withImage!.equals(without!)).toBe(true);
  });

  it('answers an undecodable input image with invalid_request naming its field', async () => {
    const broken = {
      field: 'image_urls[0]',
      bytes: Buffer.from('\x89PNG\r\n\x1a\n not really a png'),
      mime: 'image/png' as const,
      width: 10,
      height: 10,
      hasAlpha: false,
    };
    const err = await adapter
      .generate(job({ operation: 'image-to-image', images: [broken], params: { size: '64x64' } }), route, callContext())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).toBody().error).toMatchObject({ code: 'invalid_request', param: 'image_urls[0]' });
    expect((err as GatewayError).status).toBe(400);
  });
});
