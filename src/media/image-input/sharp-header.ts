/** Header facts for formats sharp parses natively (JPEG, WEBP, GIF): metadata() reads headers, never pixels. */
import { loadSharp } from '../lazy-sharp.js';
import type { ImageHeader } from './header.js';

export async function readHeaderWithSharp(b: Buffer): Promise<ImageHeader | undefined> {
  try {
    // The caller applies the pixel cap to these header dimensions itself, so that its error names the cap;
    // sharp's own limit would surface here as an unreadable file instead.
    const sharp = await loadSharp();
    const meta = await sharp(b, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return undefined;
    return { width: meta.width, height: meta.height, hasAlpha: meta.hasAlpha === true };
  } catch {
    return undefined;
  }
}
