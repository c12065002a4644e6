/**
 * Output size of the local renderer, from `size`, or `aspect_ratio` with a `resolution` tier. A request
 * that cannot be drawn exactly as asked is a 400 naming the field — never a quietly different size. The
 * side bounds are the catalog's (the `local` model's size rule); the long side of each tier is the renderer's.
 */
import type { SizeRule } from '../../domain/model-spec.js';
import { invalidRequest } from '../../domain/errors.js';
import type { ImageParams } from '../../domain/job.js';
import { type Dimensions, parseAspectRatio, parseSize } from '../../domain/size.js';

const AUTO: Dimensions = { width: 1024, height: 1024 };

/** Shortest and longest side the catalog's size rule lets the renderer draw. */
export interface SideBounds {
  min: number;
  max: number;
}

export const sideBounds = (rule: SizeRule | undefined): SideBounds =>
  rule ? { min: Math.max(rule.min_width, rule.min_height), max: Math.min(rule.max_width, rule.max_height) } : { min: 1, max: Infinity };

/** Long side of the picture per `resolution` tier. */
export const LONG_SIDE_OF_RESOLUTION: Record<string, number> = { '1K': 1024, '2K': 2048 };
const DEFAULT_RESOLUTION = '1K';

const acceptedSizes = ({ min, max }: SideBounds) => `"auto" (${AUTO.width}x${AUTO.height}) or WIDTHxHEIGHT with each side from ${min} to ${max}`;
const ACCEPTED_RESOLUTIONS = Object.entries(LONG_SIDE_OF_RESOLUTION)
  .map(([tier, side]) => `${tier} (long side ${side})`)
  .join(', ');

export function outputDimensions(params: Pick<ImageParams, 'size' | 'aspect_ratio' | 'resolution'>, bounds: SideBounds): Dimensions {
  const { size, aspect_ratio: ratio, resolution } = params;
  if (size !== undefined && size !== 'auto') return fromSize(size, ratio, resolution, bounds);
  if (ratio === undefined && resolution === undefined) return AUTO;
  return fromAspectRatio(ratio ?? '1:1', resolution ?? DEFAULT_RESOLUTION, bounds);
}

function fromSize(size: string, ratio: string | undefined, resolution: string | undefined, bounds: SideBounds): Dimensions {
  const d = parseSize(size);
  if (!d || d === 'auto') throw invalidRequest('size', `size "${size}" is not valid; send ${acceptedSizes(bounds)}.`);
  if (d.width < bounds.min || d.height < bounds.min || d.width > bounds.max || d.height > bounds.max) {
    throw invalidRequest('size', `size ${size} is outside what the local renderer draws; send ${acceptedSizes(bounds)}.`);
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

function fromAspectRatio(ratio: string, resolution: string, bounds: SideBounds): Dimensions {
  const long = LONG_SIDE_OF_RESOLUTION[resolution];
  if (long === undefined) {
    throw invalidRequest('resolution', `resolution "${resolution}" is not available on the local renderer; send one of ${ACCEPTED_RESOLUTIONS}.`);
  }
  const r = parseAspectRatio(ratio);
  if (!r) throw invalidRequest('aspect_ratio', `aspect_ratio "${ratio}" is not WIDTH:HEIGHT; send e.g. "16:9" or "1:1".`);
  const d = r.w >= r.h ? { width: long, height: Math.round((long * r.h) / r.w) } : { width: Math.round((long * r.w) / r.h), height: long };
  if (Math.min(d.width, d.height) < bounds.min) {
    const widest = Math.floor(long / bounds.min);
    throw invalidRequest(
      'aspect_ratio',
      `aspect_ratio "${ratio}" at resolution ${resolution} would be ${d.width}x${d.height}, but the short side must be at least ${bounds.min}px; send a ratio between 1:${widest} and ${widest}:1.`,
    );
  }
  return d;
}
