/**
 * Per-format facts in one table: the public name, the catalog's `formats` token, how the header is read,
 * and how an incomplete file is recognised without a decode.
 */
import type { ImageInputRules } from '../../domain/model-spec.js';
import type { ImageMime } from '../../domain/job.js';
import { findBmpDamage, readBmpHeader } from './bmp.js';
import type { ImageHeader } from './header.js';
import { findJpegDamage } from './jpeg.js';
import { findPngDamage, readPngHeader } from './png.js';
import { readHeaderWithSharp } from './sharp-header.js';

export type InputFormat = ImageInputRules['formats'][number];

export interface ImageFormat {
  /** As shown to callers: PNG, JPEG, … */
  name: string;
  /** As written in a model's `images.formats` list. */
  token: InputFormat;
  readHeader: (bytes: Buffer) => ImageHeader | undefined | Promise<ImageHeader | undefined>;
  /** Why the file is incomplete; absent where the header read already refuses a cut-off file. */
  findDamage?: (bytes: Buffer) => string | undefined;
}

export const IMAGE_FORMATS: Record<ImageMime, ImageFormat> = {
  'image/png': { name: 'PNG', token: 'png', readHeader: readPngHeader, findDamage: findPngDamage },
  'image/jpeg': { name: 'JPEG', token: 'jpeg', readHeader: readHeaderWithSharp, findDamage: findJpegDamage },
  // libwebp checks the RIFF size and gifload scans every frame while reading the header.
  'image/webp': { name: 'WEBP', token: 'webp', readHeader: readHeaderWithSharp },
  'image/gif': { name: 'GIF', token: 'gif', readHeader: readHeaderWithSharp },
  'image/bmp': { name: 'BMP', token: 'bmp', readHeader: readBmpHeader, findDamage: findBmpDamage },
};
