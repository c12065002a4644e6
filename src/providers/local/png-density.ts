/**
 * The density tag of a PNG. librsvg rasterises at 72 dpi and tags the picture so; pixels handed over raw
 * carry no density and sharp then writes 1 dot per millimetre. A picture assembled from raw stripes gets
 * the SVG's tag back, so it is the same file as one rasterised in a single pass.
 */
import { crc32 } from 'node:zlib';

const SIGNATURE_BYTES = 8;
const METRES_PER_INCH = 0.0254;

/** Rewrites the pHYs chunk in place to `dpi` (pixels per metre, both axes); a PNG without one is returned as is. */
export function setPngDensity(png: Buffer, dpi: number): Buffer {
  const perMetre = Math.round(dpi / METRES_PER_INCH);
  for (let at = SIGNATURE_BYTES; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') break; // pHYs must come before the image data.
    if (type === 'pHYs' && length === 9) {
      png.writeUInt32BE(perMetre, at + 8);
      png.writeUInt32BE(perMetre, at + 12);
      png[at + 16] = 1; // unit: metre
      png.writeUInt32BE(crc32(png.subarray(at + 4, at + 17)), at + 17);
      return png;
    }
    at += 12 + length;
  }
  return png;
}
