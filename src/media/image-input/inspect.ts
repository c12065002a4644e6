/**
 * Bytes → InputImage: type by content, dimensions and alpha from the header, the decompression-bomb cap on
 * those header dimensions, then a structural completeness check. Nothing here decodes pixels.
 */
import { invalidRequest } from '../../domain/errors.js';
import type { InputImage } from '../../domain/job.js';
import { IMAGE_FORMATS } from './formats.js';
import { sniffImageType } from './sniff.js';

export async function inspectImage(bytes: Buffer, field: string, opts: { maxPixels: number }): Promise<InputImage> {
  const mime = sniffImageType(bytes);
  if (!mime) throw invalidRequest(field, `${field} is not a PNG, JPEG, WEBP, GIF or BMP image (checked by content).`);
  const format = IMAGE_FORMATS[mime];

  const header = await format.readHeader(bytes);
  if (!header) {
    throw invalidRequest(field, `${field} could not be read as ${format.name}: its header is damaged or incomplete. Send the original file.`);
  }
  const pixels = header.width * header.height;
  if (pixels > opts.maxPixels) {
    throw invalidRequest(
      field,
      `${field} is ${header.width}x${header.height} (${pixels} pixels); at most ${opts.maxPixels} pixels are accepted per input image. Downscale it and retry.`,
    );
  }

  const damage = format.findDamage?.(bytes);
  if (damage) throw invalidRequest(field, `${field} is not a complete ${format.name}: ${damage}. Send the whole file.`);

  return { field, bytes, mime, width: header.width, height: header.height, hasAlpha: header.hasAlpha };
}
