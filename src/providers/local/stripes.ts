/**
 * Rasterising the picture's SVG in horizontal stripes, each its own short native task, with the signal
 * checked between them: a large render stops within one stripe of its client leaving. Each stripe is a
 * region cut by libvips from the whole document, not a smaller document of its own: cairo fits gradients
 * to the surface it draws on, so a smaller document rounds the sky differently from the single pass.
 */
import sharp, { type Sharp } from 'sharp';
import { untilAborted } from './abortable.js';

/**
 * Pixels per stripe. A picture up to this size (1024x1024 and 1024x2048 included) is drawn in one pass
 * straight into its encoder, as fast as ever; a 2048x2048 one in two stripes of ~25 ms of work each.
 * Smaller stripes cost more than they save: librsvg pays about a full-picture surface per stripe
 * (~13 ms at 2048 wide), whatever the stripe's height.
 */
export const STRIPE_PIXELS = 2048 * 1024;

/** The density librsvg rasterises at and tags its output with. */
export const SVG_DPI = 72;

/** The SVG document of a width x height picture with this content. */
export function svgDocument(body: string, width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;
}

/**
 * The picture as one pipeline ready to finish and encode: the SVG itself when it fits in one stripe, else
 * its RGBA pixels, drawn stripe by stripe. Rejects with the signal's reason once it aborts.
 */
export async function rasterise(body: string, width: number, height: number, signal: AbortSignal): Promise<Sharp> {
  const document = Buffer.from(svgDocument(body, width, height));
  const rows = Math.max(1, Math.floor(STRIPE_PIXELS / width));
  if (height <= rows) return sharp(document);
  const pixels = Buffer.allocUnsafe(width * height * 4);
  for (let top = 0; top < height; top += rows) {
    signal.throwIfAborted();
    const stripe = sharp(document).extract({ left: 0, top, width, height: Math.min(rows, height - top) });
    const data = await untilAborted(stripe.ensureAlpha().raw().toBuffer(), signal);
    data.copy(pixels, top * width * 4);
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } });
}
