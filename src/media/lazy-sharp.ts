/**
 * sharp (libvips) is loaded the first time an image is decoded or rendered, not at start: a gateway that
 * only relays provider images never pays its ~25 MB of resident memory.
 */
import type sharpType from 'sharp';

let loading: Promise<typeof sharpType> | undefined;

export function loadSharp(): Promise<typeof sharpType> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
