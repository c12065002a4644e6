/** Image type by magic bytes only: filenames and declared content types are never trusted. */
import type { ImageMime } from '../../domain/job.js';
import { BMP_INFO_HEADER_SIZES } from './bmp.js';
import { PNG_SIGNATURE } from './png.js';

const ascii = (b: Buffer, start: number, end: number) => (b.length >= end ? b.toString('latin1', start, end) : '');

const SIGNATURES: ReadonlyArray<{ mime: ImageMime; matches: (b: Buffer) => boolean }> = [
  { mime: 'image/png', matches: (b) => b.length >= PNG_SIGNATURE.length && b.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE) },
  { mime: 'image/jpeg', matches: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/webp', matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' },
  { mime: 'image/gif', matches: (b) => ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a' },
  // 'BM' alone is two bytes of chance; a known info-header size right after the file header makes it a BMP.
  { mime: 'image/bmp', matches: (b) => ascii(b, 0, 2) === 'BM' && b.length >= 18 && BMP_INFO_HEADER_SIZES.has(b.readUInt32LE(14)) },
];

export function sniffImageType(bytes: Buffer): ImageMime | undefined {
  return SIGNATURES.find((s) => s.matches(bytes))?.mime;
}
