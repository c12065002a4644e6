/** Real image bytes for fakes and tests, cached per shape so a fake answers fast. */
import sharp from 'sharp';

const cache = new Map<string, Promise<Buffer>>();

export function makeImage(
  width: number,
  height: number,
  opts: { format?: 'png' | 'jpeg' | 'webp'; color?: { r: number; g: number; b: number; alpha?: number }; alpha?: boolean } = {},
): Promise<Buffer> {
  const format = opts.format ?? 'png';
  const color = opts.color ?? { r: 40, g: 120, b: 200, alpha: 1 };
  const channels = opts.alpha ? 4 : 3;
  const key = `${width}x${height}:${format}:${JSON.stringify(color)}:${channels}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = sharp({ create: { width, height, channels, background: color } })
      .toFormat(format)
      .toBuffer();
    cache.set(key, hit);
  }
  return hit;
}

export async function imageSize(bytes: Buffer): Promise<{ width: number; height: number; format: string; hasAlpha: boolean }> {
  const m = await sharp(bytes).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0, format: m.format ?? '', hasAlpha: m.hasAlpha ?? false };
}
