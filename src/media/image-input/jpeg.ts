/**
 * JPEG completeness without decoding: walk the marker segments to the first scan, then require an
 * end-of-image marker after it. sharp reads a cut-off JPEG's header happily, so this is the only early check.
 */

const EOI = Buffer.from([0xff, 0xd9]);
const SOS = 0xda;
const EOI_MARKER = 0xd9;
const FILL = 0xff;

/** Markers that stand alone, without a length field: TEM and RST0–RST7. */
const standsAlone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/** Why the JPEG is incomplete, or undefined when a scan is followed by the end-of-image marker. */
export function findJpegDamage(b: Buffer): string | undefined {
  let pos = 2; // after SOI
  while (pos + 2 <= b.length) {
    if (b[pos] !== 0xff) return 'its marker segments are broken';
    const marker = b[pos + 1]!;
    if (marker === FILL) {
      pos += 1;
      continue;
    }
    if (marker === EOI_MARKER) return 'it ends before any image data';
    if (standsAlone(marker)) {
      pos += 2;
      continue;
    }
    if (pos + 4 > b.length) break;
    const length = b.readUInt16BE(pos + 2);
    if (length < 2) return 'its marker segments are broken';
    const next = pos + 2 + length;
    // Entropy-coded data escapes 0xFF as 0xFF00, so FFD9 after the first scan can only be the real EOI.
    if (marker === SOS) return b.indexOf(EOI, next) >= 0 ? undefined : 'it ends before its end-of-image marker, so it was cut off';
    pos = next;
  }
  return 'it ends before its image data, so it was cut off';
}
