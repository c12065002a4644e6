/**
 * A fal model's input mapping, declared in its catalog route's options: which fal input takes each canonical
 * field whose fal name differs from its public one. Defaults are the names most fal image models share;
 * `none` says the model has no such input. Every other field the catalog model lists goes under its own name
 * (seed, negative_prompt, guidance_scale, style, …).
 *
 *   options:
 *     input.size: image_size     # size → {width, height} (size_format: object) or fal's enum (size_format: enum)
 *     size_format: object
 *     input.n: num_images        # n, or none: one image per request
 *     input.image: image_url     # the first input image, as a URL fal can read
 *     input.images: none         # all input images as a list of URLs (e.g. image_urls)
 *     input.mask: mask_url
 */
import type { Route } from '../../domain/adapter.js';

export type SizeFormat = 'object' | 'enum';

export interface InputMap {
  size?: { name: string; format: SizeFormat };
  n?: string;
  image?: string;
  images?: string;
  mask?: string;
}

const DEFAULTS = { size: 'image_size', n: 'num_images', image: 'image_url', images: 'none', mask: 'mask_url' } as const;
type Canonical = keyof typeof DEFAULTS;
const CANONICAL = Object.keys(DEFAULTS) as Canonical[];
const NAME = /^[a-z][a-z0-9_]*$/;
const FORMATS: readonly SizeFormat[] = ['object', 'enum'];

/** The route's problem with its input options, if any (checked once at start). */
export function inputProblem(route: Route): string | undefined {
  for (const [key, value] of Object.entries(route.options)) {
    if (key === 'size_format') {
      if (!FORMATS.includes(value as SizeFormat)) return `option size_format must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(value)}`;
    } else if (key.startsWith('input.')) {
      const field = key.slice('input.'.length);
      if (!CANONICAL.includes(field as Canonical)) return `option ${key} names no canonical field; the fields are ${CANONICAL.join(', ')}`;
      if (typeof value !== 'string' || !NAME.test(value)) return `option ${key} must be a fal input name (lower case, digits, _) or none`;
    }
  }
  return undefined;
}

function nameOf(route: Route, field: Canonical): string | undefined {
  const set = route.options[`input.${field}`];
  const name = typeof set === 'string' ? set : DEFAULTS[field];
  return name === 'none' ? undefined : name;
}

export function inputMapOf(route: Route): InputMap {
  const map: InputMap = {};
  const size = nameOf(route, 'size');
  if (size) map.size = { name: size, format: route.options.size_format === 'enum' ? 'enum' : 'object' };
  for (const field of ['n', 'image', 'images', 'mask'] as const) {
    const name = nameOf(route, field);
    if (name) map[field] = name;
  }
  return map;
}

/** fal input name → the public field it came from, for errors that name a fal input. */
export function publicFieldOf(map: InputMap, falName: string): string {
  if (map.size?.name === falName) return 'size';
  if (map.n === falName) return 'n';
  if (map.image === falName || map.images === falName) return 'image';
  if (map.mask === falName) return 'mask';
  return falName;
}
