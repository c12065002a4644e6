/**
 * Input images (edit sources, masks, references): type by content, dimensions from the header without a
 * pixel decode (so a decompression bomb is refused before it costs memory), and the operation's rules.
 */
import sharp from 'sharp';
import type { ImageInputRules } from '../catalog/schema.js';
import { invalidRequest } from './errors.js';
import type { ImageMime, InputImage } from './job.js';

export function sniffImageType(b: Buffer): ImageMime | undefined {
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'image/gif';
  if (b.length >= 14 && b[0] === 0x42 && b[1] === 0x4d) return 'image/bmp';
  return undefined;
}

const FORMAT_OF: Record<ImageMime, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/bmp': 'bmp' };
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;

export async function inspectImage(bytes: Buffer, field: string, opts: { maxPixels: number }): Promise<InputImage> {
  const mime = sniffImageType(bytes);
  if (!mime) throw invalidRequest(field, `${field} is not a PNG, JPEG, WEBP, GIF or BMP image (checked by content).`);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // metadata() reads the header only; limitInputPixels guards any decode that might follow.
    meta = await sharp(bytes, { limitInputPixels: opts.maxPixels, failOn: 'none' }).metadata();
  } catch {
    throw invalidRequest(field, `${field} could not be read as ${FORMAT_OF[mime].toUpperCase()}: the file is damaged or truncated.`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height) throw invalidRequest(field, `${field} has no readable dimensions.`);
  if (width * height > opts.maxPixels) {
    throw invalidRequest(field, `${field} is ${width}x${height} (${width * height} pixels); at most ${opts.maxPixels} pixels are accepted.`);
  }
  return { field, bytes, mime, width, height, hasAlpha: meta.hasAlpha === true };
}

export function checkImages(images: InputImage[], rules: ImageInputRules, opts: { fieldBase: string }): void {
  if (images.length > rules.max_images) throw invalidRequest(opts.fieldBase, `At most ${rules.max_images} image${rules.max_images > 1 ? 's' : ''} may be sent; ${images.length} were.`);
  if (images.length < rules.min_images) throw invalidRequest(opts.fieldBase, `At least ${rules.min_images} image${rules.min_images > 1 ? 's are' : ' is'} required.`);
  for (const img of images) {
    const f = img.field;
    if (img.bytes.length > rules.max_bytes) throw invalidRequest(f, `${f} is ${mb(img.bytes.length)}; this model accepts at most ${mb(rules.max_bytes)} per image.`);
    const format = FORMAT_OF[img.mime];
    if (!rules.formats.includes(format as (typeof rules.formats)[number])) {
      throw invalidRequest(f, `${f} is ${format.toUpperCase()}; this model accepts ${rules.formats.map((x) => x.toUpperCase()).join(', ')}.`);
    }
    if (rules.min_side && Math.min(img.width, img.height) < rules.min_side) throw invalidRequest(f, `${f} is ${img.width}x${img.height}; each side must be at least ${rules.min_side} px.`);
    if (rules.max_side && Math.max(img.width, img.height) > rules.max_side) throw invalidRequest(f, `${f} is ${img.width}x${img.height}; each side must be at most ${rules.max_side} px.`);
    if (rules.square && img.width !== img.height) throw invalidRequest(f, `${f} is ${img.width}x${img.height}; this model needs a square image.`);
    if (rules.requires_alpha && !img.hasAlpha) throw invalidRequest(f, `${f} has no alpha channel; this model needs an image with transparency.`);
    if (rules.no_alpha && img.hasAlpha) throw invalidRequest(f, `${f} has an alpha channel; this model takes images without transparency.`);
  }
}

export async function checkMask(mask: InputImage, first: InputImage, rules: ImageInputRules): Promise<void> {
  if (!rules.mask) throw invalidRequest('mask', 'This model does not take a mask.');
  if (mask.mime !== 'image/png') throw invalidRequest('mask', 'mask must be a PNG with an alpha channel.');
  if (mask.width !== first.width || mask.height !== first.height) {
    throw invalidRequest('mask', `mask is ${mask.width}x${mask.height} but ${first.field} is ${first.width}x${first.height}; they must match.`);
  }
  if (!mask.hasAlpha) throw invalidRequest('mask', 'mask has no alpha channel: its transparent pixels mark the area to edit.');
  const stats = await sharp(mask.bytes).ensureAlpha().extractChannel(3).stats();
  if ((stats.channels[0]?.min ?? 255) >= 255) throw invalidRequest('mask', 'mask is fully opaque: make the area to edit transparent.');
}
