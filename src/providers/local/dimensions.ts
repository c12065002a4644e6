/**
 * Output size of the local renderer, from `size`, or `aspect_ratio` with a `resolution` tier. A request
 * that cannot be drawn exactly as asked is a 400 naming the field — never a quietly different size.
 */
import { invalidRequest } from '../../core/errors.js';
import type { ImageParams } from '../../core/job.js';
import { type Dimensions, parseAspectRatio, parseSize } from '../../core/size.js';

export const MIN_SIDE = 16;
export const MAX_SIDE = 2048;
const AUTO: Dimensions = { width: 1024, height: 1024 };

/** Long side of the picture per `resolution` tier. */
export const LONG_SIDE_OF_RESOLUTION: Record<string, number> = { '1K': 1024, '2K': 2048 };
const DEFAULT_RESOLUTION = '1K';

const ACCEPTED_SIZES = `"auto" (${AUTO.width}x${AUTO.height}) or WIDTHxHEIGHT with each side from ${MIN_SIDE} to ${MAX_SIDE}`;
const ACCEPTED_RESOLUTIONS = Object.entries(LONG_SIDE_OF_RESOLUTION)
  .map(([tier, side]) => `${tier} (long side ${side})`)
  .join(', ');

export function outputDimensions(params: Pick<ImageParams, 'size' | 'aspect_ratio' | 'resolution'>): Dimensions {
  const { size, aspect_ratio: ratio, resolution } = params;
  if (size !== undefined && size !== 'auto') return fromSize(size, ratio, resolution);
  if (ratio === undefined && resolution === undefined) return AUTO;
  return fromAspectRatio(ratio ?? '1:1', resolution ?? DEFAULT_RESOLUTION);
}

function fromSize(size: string, ratio: string | undefined, resolution: string | undefined): Dimensions {
  const d = parseSize(size);
  if (!d || d === 'auto') throw invalidRequest('size', `size "${size}" is not valid; send ${ACCEPTED_SIZES}.`);
  if (d.width < MIN_SIDE || d.height < MIN_SIDE || d.width > MAX_SIDE || d.height > MAX_SIDE) {
    throw invalidRequest('size', `size ${size} is outside what the local renderer draws; send ${ACCEPTED_SIZES}.`);
  }
  // size fixes the picture; aspect_ratio / resolution beside it are only accepted when they agree with it.
  if (ratio !== undefined) {
    const r = parseAspectRatio(ratio);
    if (!r || d.width * r.h !== d.height * r.w) {
      throw invalidRequest('aspect_ratio', `aspect_ratio "${ratio}" does not match size ${size}; send only one of them, or make them agree.`);
    }
  }
  if (resolution !== undefined && LONG_SIDE_OF_RESOLUTION[resolution] !== Math.max(d.width, d.height)) {
    throw invalidRequest('resolution', `resolution "${resolution}" does not match size ${size}; send only one of them (resolutions: ${ACCEPTED_RESOLUTIONS}).`);
  }
  return d;
}

function fromAspectRatio(ratio: string, resolution: string): Dimensions {
  const long = LONG_SIDE_OF_RESOLUTION[resolution];
  if (long === undefined) {
    throw invalidRequest('resolution', `resolution "${resolution}" is not available on the local renderer; send one of ${ACCEPTED_RESOLUTIONS}.`);
  }
  const r = parseAspectRatio(ratio);
  if (!r) throw invalidRequest('aspect_ratio', `aspect_ratio "${ratio}" is not WIDTH:HEIGHT; send e.g. "16:9" or "1:1".`);
  const d = r.w >= r.h ? { width: long, height: Math.round((long * r.h) / r.w) } : { width: Math.round((long * r.w) / r.h), height: long };
  if (Math.min(d.width, d.height) < MIN_SIDE) {
    const widest = Math.floor(long / MIN_SIDE);
    throw invalidRequest(
      'aspect_ratio',
      `aspect_ratio "${ratio}" at resolution ${resolution} would be ${d.width}x${d.height}, but the short side must be at least ${MIN_SIDE}px; send a ratio between 1:${widest} and ${widest}:1.`,
    );
  }
  return d;
}
