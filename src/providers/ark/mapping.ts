/**
 * imagegate job → Volcengine Ark Seedream request, as data (Ark's API docs). Seedream has one endpoint for
 * every operation. What each model accepts (its size rule, resolution tiers, reference limits) is the
 * catalog's (Route.model); how Ark spells sizes and fields is here.
 */
import type { ImageJob, JsonValue } from '../../domain/job.js';
import type { Dimensions } from '../../domain/size.js';

export type Resolution = '1K' | '2K' | '4K';

/** Ark's recommended 2K size for each aspect ratio; other resolutions scale it by RESOLUTION_SCALE. */
export const ASPECT_RATIO_2K: Record<string, Dimensions> = {
  '1:1': { width: 2048, height: 2048 },
  '4:3': { width: 2304, height: 1728 },
  '3:4': { width: 1728, height: 2304 },
  '16:9': { width: 2560, height: 1440 },
  '9:16': { width: 1440, height: 2560 },
  '3:2': { width: 2496, height: 1664 },
  '2:3': { width: 1664, height: 2496 },
  '21:9': { width: 3024, height: 1296 },
};

/** Scale of each resolution against the 2K table; sides are then rounded to a multiple of SIDE_MULTIPLE. */
export const RESOLUTION_SCALE: Record<Resolution, number> = { '1K': 0.5, '2K': 1, '4K': 2 };
export const SIDE_MULTIPLE = 16;
/** Resolution assumed when a client sends aspect_ratio alone (the 2K table is Ark's own recommendation). */
export const DEFAULT_RESOLUTION: Resolution = '2K';

export const isResolution = (v: unknown): v is Resolution => typeof v === 'string' && Object.hasOwn(RESOLUTION_SCALE, v);

/** Public params translated together into Ark's single `size` field (see size.ts). */
export const SIZE_PARAMS: readonly string[] = ['size', 'aspect_ratio', 'resolution'];

/** With sequential generation, references plus generated images may not exceed this (Ark's group limit). */
export const MAX_SEQUENTIAL_TOTAL = 15;

/** What the request plan decided beyond the params themselves; FIELD_MAP translations may read it. */
export interface PlanFacts {
  /** `max_images` of a sequential call; undefined when images are made one call each. */
  sequentialMaxImages: number | undefined;
}

type Check = (v: JsonValue) => boolean;
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const intRange =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** An object whose keys are all known and whose values pass their checks (every key optional). */
const shape =
  (keys: Record<string, Check>): Check =>
  (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) => Object.hasOwn(keys, k) && keys[k]!(x));

export interface FieldMapping {
  /** Ark's field name. */
  to: string;
  /** Shape the value must have, as the client should read it in an error. */
  accepts: string;
  valid: Check;
  /** Public value (undefined when the client left it out) → Ark value; undefined leaves the field out. */
  translate: (value: JsonValue | undefined, facts: PlanFacts) => JsonValue | undefined;
}

/**
 * Public param → Ark field with its translation. `stream` is not offered: the gateway answers whole
 * images, so Seedream's SSE mode is never requested. `seed`/`guidance_scale` exist only on older Seedream
 * models (assumed), so they are absent here and from the 4.x contracts.
 */
export const FIELD_MAP: Record<string, FieldMapping> = {
  // Ark watermarks by default; imagegate's default is a clean image unless the client asks for the mark.
  watermark: { to: 'watermark', accepts: 'true or false', valid: (v) => typeof v === 'boolean', translate: (v) => v ?? false },
  sequential_image_generation: {
    to: 'sequential_image_generation',
    accepts: '"auto" or "disabled"',
    valid: oneOf('auto', 'disabled'),
    translate: (v) => v,
  },
  // Always sent for a sequential call: Ark's own default (15) could exceed the n the job was quoted for.
  sequential_image_generation_options: {
    to: 'sequential_image_generation_options',
    accepts: '{"max_images": 1–15}',
    valid: shape({ max_images: intRange(1, 15) }),
    translate: (_v, facts) => (facts.sequentialMaxImages === undefined ? undefined : { max_images: facts.sequentialMaxImages }),
  },
  optimize_prompt_options: {
    to: 'optimize_prompt_options',
    accepts: '{"thinking": "auto" | "enabled" | "disabled", "mode": "standard" | "fast"}',
    valid: shape({ thinking: oneOf('auto', 'enabled', 'disabled'), mode: oneOf('standard', 'fast') }),
    translate: (v) => v,
  },
};

/** imagegate's response_format → Ark's (identical names; url is Ark's default, so always say which). */
export const RESPONSE_FORMAT: Record<ImageJob['responseFormat'], 'url' | 'b64_json'> = { url: 'url', b64_json: 'b64_json' };
