import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/domain/errors.js';
import { adapter, callContext, generate, job, route, rgba } from './support.js';

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('local adapter: text-to-image', () => {
  it('renders byte-identical images for the same prompt, seed, size and format', async () => {
    const over = { prompt: 'a lighthouse at night', params: { size: '256x256', seed: 7 } };
    const [first] = await generate(over);
    const [second] = await generate(over);
    expect(first!.length).toBeGreaterThan(0);
    expect(first!.equals(second!)).toBe(true);
  });

  it('renders byte-identical images without a seed, since the seed is then a hash of the prompt', async () => {
    const [first] = await generate({ prompt: 'two boats', params: { size: '128x128' } });
    const [second] = await generate({ prompt: 'two boats', params: { size: '128x128' } });
    expect(first!.equals(second!)).toBe(true);
  });

  it('renders different pictures for different prompts', async () => {
    const [fox] = await generate({ prompt: 'a red fox in the snow', params: { size: '256x256', seed: 1 } });
    const [city] = await generate({ prompt: 'a city skyline at dusk', params: { size: '256x256', seed: 1 } });
    const a = await rgba(fox!);
    const b = await rgba(city!);
    let differing = 0;
    for (let i = 0; i < a.data.length; i += 4) if (a.data.readUInt32BE(i) !== b.data.readUInt32BE(i)) differing++;
    // Most of the picture changes (palette, layout), not just the caption.
    expect(differing / (a.width * a.height)).toBeGreaterThan(0.5);
  });

  it('renders a different picture for a different seed', async () => {
    const [a] = await generate({ params: { size: '256x256', seed: 1 } });
    const [b] = await generate({ params: { size: '256x256', seed: 2 } });
    expect(digest(a!)).not.toBe(digest(b!));
  });

  it.each([
    ['png', '640x360'],
    ['jpeg', '300x200'],
    ['webp', '200x480'],
  ] as const)('renders %s at %s that decodes to that format and size', async (format, size) => {
    const j = job({ params: { size, output_format: format } });
    const result = await adapter.generate(j, route, callContext());
    const image = result.images[0]!;
    expect(image.payload).toMatchObject({ kind: 'bytes', mime: `image/${format}` });
    expect(image.size).toBe(size);
    const bytes = image.payload.kind === 'bytes' ? image.payload.bytes : Buffer.alloc(0);
    const m = await sharp(bytes).metadata();
    expect(`${m.width}x${m.height}`).toBe(size);
    expect(m.format).toBe(format);
  });

  it.each([['16x16'], ['2048x2048'], ['16x2048']])('renders the extreme size %s', async (size) => {
    const [bytes] = await generate({ params: { size } });
    const m = await sharp(bytes!).metadata();
    expect(`${m.width}x${m.height}`).toBe(size);
  });

  it('renders size auto as 1024x1024', async () => {
    const [bytes] = await generate({ params: { size: 'auto' } });
    const m = await sharp(bytes!).metadata();
    expect([m.width, m.height]).toEqual([1024, 1024]);
  });

  it.each([
    ['16:9', '1K', 1024, 576],
    ['9:16', '2K', 1152, 2048],
    ['21:9', '1K', 1024, 439],
    ['1:1', '2K', 2048, 2048],
  ])('renders aspect_ratio %s at resolution %s as %ix%i', async (aspect_ratio, resolution, width, height) => {
    const result = await adapter.generate(job({ params: { aspect_ratio, resolution } }), route, callContext());
    const bytes = result.images[0]!.payload.kind === 'bytes' ? result.images[0]!.payload.bytes : Buffer.alloc(0);
    const m = await sharp(bytes).metadata();
    expect([m.width, m.height]).toEqual([width, height]);
    expect(result.meta?.size).toBe(`${width}x${height}`);
  });

  it('renders aspect_ratio without resolution at the 1K tier', async () => {
    const [bytes] = await generate({ params: { aspect_ratio: '4:3' } });
    const m = await sharp(bytes!).metadata();
    expect([m.width, m.height]).toEqual([1024, 768]);
  });

  it.each(['png', 'webp'] as const)('gives a transparent background an alpha channel with see-through sky (%s)', async (output_format) => {
    const [bytes] = await generate({ prompt: 'a green hill', params: { size: '128x128', background: 'transparent', output_format } });
    const { data, width, height } = await rgba(bytes!);
    expect((await sharp(bytes!).metadata()).hasAlpha).toBe(true);
    // The sky, which a transparent background leaves out, is a good part of any layout.
    let clear = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] === 0) clear++;
    expect(clear / (width * height)).toBeGreaterThan(0.2);
  });

  it('renders an opaque png without an alpha channel', async () => {
    const [bytes] = await generate({ params: { size: '64x64', background: 'opaque' } });
    expect((await sharp(bytes!).metadata()).hasAlpha).toBe(false);
  });

  it('returns three distinct images for n=3', async () => {
    const result = await adapter.generate(job({ n: 3, params: { size: '128x128' } }), route, callContext());
    expect(result.images).toHaveLength(3);
    expect(result.failedCount).toBe(0);
    const digests = result.images.map((image) => (image.payload.kind === 'bytes' ? digest(image.payload.bytes) : ''));
    expect(new Set(digests).size).toBe(3);
    expect(result.images.map((image) => image.size)).toEqual(['128x128', '128x128', '128x128']);
  });

  it('renders image i of n with seed + i', async () => {
    const batch = await generate({ n: 3, params: { size: '96x96', seed: 100 } });
    const [third] = await generate({ params: { size: '96x96', seed: 102 } });
    expect(batch[2]!.equals(third!)).toBe(true);
  });

  it('reports size, output_format, quality and background in meta', async () => {
    const result = await adapter.generate(
      job({ params: { size: '64x32', output_format: 'webp', quality: 'high', background: 'transparent' } }),
      route,
      callContext(),
    );
    expect(result.meta).toEqual({ size: '64x32', output_format: 'webp', quality: 'high', background: 'transparent' });
  });

  it('encodes JPEG smaller when output_compression is lower', async () => {
    const [best] = await generate({ params: { size: '512x512', output_format: 'jpeg', output_compression: 100 } });
    const [small] = await generate({ params: { size: '512x512', output_format: 'jpeg', output_compression: 10 } });
    expect(small!.length).toBeLessThan(best!.length / 2);
  });

  it('changes the colours with style natural versus vivid', async () => {
    const saturation = async (style: string) => {
      const [bytes] = await generate({ prompt: 'a red sunset', params: { size: '64x64', seed: 3, style } });
      const { data } = await rgba(bytes!);
      let sum = 0;
      for (let i = 0; i < data.length; i += 4) sum += Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
      return sum;
    };
    expect(await saturation('vivid')).toBeGreaterThan(await saturation('natural'));
  });

  it('throws upstream_error "cancelled" when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await adapter.generate(job(), route, callContext(undefined, { signal: controller.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('upstream_error');
    expect((err as GatewayError).message).toMatch(/cancelled/);
  });

  it('stops between images when the signal is aborted mid-batch', async () => {
    const controller = new AbortController();
    const pending = adapter.generate(job({ n: 10, params: { size: '1024x1024' } }), route, callContext(undefined, { signal: controller.signal }));
    setImmediate(() => controller.abort());
    await expect(pending).rejects.toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/cancelled/) });
  });
});
