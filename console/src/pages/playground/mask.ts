/**
 * The edit mask as OpenAI's edits API reads it: a PNG of the image's exact dimensions whose transparent pixels
 * (alpha 0) mark the area to change and whose other pixels are opaque. The painter's layer is anti-aliased at
 * the brush's edge; a pixel counts as painted from half coverage up, so the mask has no half-transparent pixels.
 */

const PAINTED_FROM = 128;

/** Mask pixels (RGBA) from the painter's layer (RGBA): painted → transparent, the rest opaque black. */
export function maskPixels(layer: Uint8ClampedArray): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(layer.length);
  for (let i = 3; i < layer.length; i += 4) out[i] = layer[i]! >= PAINTED_FROM ? 0 : 255;
  return out;
}

/** The layer with painted and unpainted swapped, in the brush colour. */
export function invertedLayer(layer: Uint8ClampedArray, rgb: readonly [number, number, number]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(layer.length);
  for (let i = 0; i < layer.length; i += 4) {
    out[i] = rgb[0];
    out[i + 1] = rgb[1];
    out[i + 2] = rgb[2];
    out[i + 3] = layer[i + 3]! >= PAINTED_FROM ? 0 : 255;
  }
  return out;
}

export function anyPainted(layer: Uint8ClampedArray): boolean {
  for (let i = 3; i < layer.length; i += 4) if (layer[i]! >= PAINTED_FROM) return true;
  return false;
}

/** The mask PNG of a painter's layer canvas, at the canvas's (the image's) own size; null when nothing is painted. */
export async function exportMask(layer: HTMLCanvasElement): Promise<Blob | null> {
  const { width, height } = layer;
  const pixels = layer.getContext('2d')!.getImageData(0, 0, width, height).data;
  if (!anyPainted(pixels)) return null;
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  out.getContext('2d')!.putImageData(new ImageData(maskPixels(pixels), width, height), 0, 0);
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('The browser could not encode the mask.'))), 'image/png'));
}
