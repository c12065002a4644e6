/**
 * PNG header and chunk structure, read by hand: the dimensions come from IHDR before anything is inflated
 * (so a 50000x50000 bomb costs nothing), and a cut-off file is caught by walking chunk lengths to IEND.
 */
import type { ImageHeader } from './header.js';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bit depths each colour type allows (PNG spec, IHDR table). */
const BIT_DEPTHS_BY_COLOUR_TYPE: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16], // greyscale
  2: [8, 16], // truecolour
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // greyscale + alpha
  6: [8, 16], // truecolour + alpha
};
const COLOUR_TYPES_WITH_ALPHA = new Set([4, 6]);
const MAX_DIMENSION = 2 ** 31 - 1;
const MAX_CHUNK_LENGTH = 2 ** 31 - 1;

interface ChunkWalk {
  types: Set<string>;
  ending: 'iend' | 'cut-off' | 'malformed';
}

function walkChunks(b: Buffer): ChunkWalk {
  const types = new Set<string>();
  let pos = PNG_SIGNATURE.length;
  while (pos + 8 <= b.length) {
    const length = b.readUInt32BE(pos);
    if (length > MAX_CHUNK_LENGTH) return { types, ending: 'malformed' };
    const type = b.toString('latin1', pos + 4, pos + 8);
    const next = pos + 12 + length; // length + type + data + CRC
    if (next > b.length) return { types, ending: 'cut-off' };
    types.add(type);
    if (type === 'IEND') return { types, ending: 'iend' };
    pos = next;
  }
  return { types, ending: 'cut-off' };
}

export function readPngHeader(b: Buffer): ImageHeader | undefined {
  // IHDR must be the first chunk: signature, 4-byte length (13), type, 13 data bytes.
  if (b.length < PNG_SIGNATURE.length + 8 + 13) return undefined;
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const bitDepth = b[24]!;
  const colourType = b[25]!;
  if (!width || !height || width > MAX_DIMENSION || height > MAX_DIMENSION) return undefined;
  if (!BIT_DEPTHS_BY_COLOUR_TYPE[colourType]?.includes(bitDepth)) return undefined;
  const hasAlpha = COLOUR_TYPES_WITH_ALPHA.has(colourType) || walkChunks(b).types.has('tRNS');
  return { width, height, hasAlpha };
}

/** Why the PNG is incomplete, or undefined when every chunk is whole up to IEND. */
export function findPngDamage(b: Buffer): string | undefined {
  const walk = walkChunks(b);
  if (walk.ending === 'cut-off') return 'it ends before its IEND chunk, so it was cut off';
  if (walk.ending === 'malformed') return 'a chunk declares an impossible length';
  if (!walk.types.has('IDAT')) return 'it has no image data (no IDAT chunk)';
  return undefined;
}
