/**
 * BMP headers read by hand: sharp's bundled libvips has no BMP loader, and the header is a fixed layout
 * (14-byte file header, then an info header whose size names its version).
 */
import type { ImageHeader } from './header.js';

/** Info header sizes: CORE (12), INFO (40), V2 (52), V3 (56), OS/2 v2 (64), V4 (108), V5 (124). */
export const BMP_INFO_HEADER_SIZES: ReadonlySet<number> = new Set([12, 40, 52, 56, 64, 108, 124]);

const FILE_HEADER = 14;
const CORE_HEADER = 12;
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
const UNCOMPRESSED = new Set([BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS]);
const BITS_PER_PIXEL = new Set([1, 4, 8, 16, 24, 32]);
/** The alpha mask sits right after the RGB masks, at the same offset in V3+ headers and after an INFO header. */
const ALPHA_MASK_OFFSET = FILE_HEADER + 52;

interface BmpLayout extends ImageHeader {
  bitsPerPixel: number;
  compression: number;
  pixelOffset: number;
}

function readLayout(b: Buffer): BmpLayout | undefined {
  if (b.length < FILE_HEADER + 4) return undefined;
  const infoSize = b.readUInt32LE(FILE_HEADER);
  const pixelOffset = b.readUInt32LE(10);
  if (infoSize === CORE_HEADER) {
    if (b.length < FILE_HEADER + CORE_HEADER) return undefined;
    const layout = { width: b.readUInt16LE(18), height: b.readUInt16LE(20), bitsPerPixel: b.readUInt16LE(24), compression: BI_RGB };
    return { ...layout, hasAlpha: false, pixelOffset };
  }
  if (!BMP_INFO_HEADER_SIZES.has(infoSize) || b.length < FILE_HEADER + 40) return undefined;
  const width = b.readInt32LE(18);
  const height = Math.abs(b.readInt32LE(22)); // negative height means rows run top-down
  const bitsPerPixel = b.readUInt16LE(28);
  const compression = b.readUInt32LE(30);
  const alphaMaskPresent = compression === BI_ALPHABITFIELDS || (compression === BI_BITFIELDS && infoSize >= 56);
  const alphaMask = alphaMaskPresent && b.length >= ALPHA_MASK_OFFSET + 4 ? b.readUInt32LE(ALPHA_MASK_OFFSET) : 0;
  return { width, height, bitsPerPixel, compression, pixelOffset, hasAlpha: bitsPerPixel === 32 && alphaMask !== 0 };
}

export function readBmpHeader(b: Buffer): ImageHeader | undefined {
  const layout = readLayout(b);
  if (!layout || layout.width <= 0 || layout.height <= 0 || !BITS_PER_PIXEL.has(layout.bitsPerPixel)) return undefined;
  return { width: layout.width, height: layout.height, hasAlpha: layout.hasAlpha };
}

/** Why the BMP is incomplete, or undefined. Only uncompressed rows have a size known from the header. */
export function findBmpDamage(b: Buffer): string | undefined {
  const layout = readLayout(b);
  if (!layout || !UNCOMPRESSED.has(layout.compression)) return undefined;
  const rowBytes = Math.floor((layout.bitsPerPixel * layout.width + 31) / 32) * 4; // rows pad to 4 bytes
  if (layout.pixelOffset + rowBytes * layout.height > b.length) return 'it ends before its last pixel row, so it was cut off';
  return undefined;
}
