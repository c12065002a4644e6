/**
 * An operation's ImageInputRules applied to inspected images: the count against the field as a whole, then
 * each rule against each image, first broken rule wins. Messages name the image and say what to change.
 */
import type { ImageInputRules } from '../../domain/model-spec.js';
import { invalidRequest } from '../../domain/errors.js';
import type { InputImage } from '../../domain/job.js';
import { describeSizeOverLimit, dimensions, plural } from './describe.js';
import { IMAGE_FORMATS } from './formats.js';

function sideRange(rules: ImageInputRules): string {
  if (rules.min_side && rules.max_side) return `${rules.min_side}–${rules.max_side} px`;
  return rules.min_side ? `at least ${rules.min_side} px` : `at most ${rules.max_side} px`;
}

/** Each rule returns why the image breaks it, or undefined. */
type ImageRule = (img: InputImage, rules: ImageInputRules) => string | undefined;

const PER_IMAGE_RULES: readonly ImageRule[] = [
  (img, rules) => {
    if (img.bytes.length <= rules.max_bytes) return undefined;
    const size = describeSizeOverLimit(img.bytes.length, rules.max_bytes);
    return `${img.field} is ${size.actual}; this model accepts at most ${size.limit} per image.`;
  },
  (img, rules) => {
    const format = IMAGE_FORMATS[img.mime];
    if (rules.formats.includes(format.token)) return undefined;
    const accepted = rules.formats.map((token) => token.toUpperCase()).join(', ');
    return `${img.field} is a ${format.name} image; this model accepts ${accepted}. Convert it to one of those.`;
  },
  (img, rules) => {
    const tooSmall = rules.min_side !== undefined && Math.min(img.width, img.height) < rules.min_side;
    const tooLarge = rules.max_side !== undefined && Math.max(img.width, img.height) > rules.max_side;
    if (!tooSmall && !tooLarge) return undefined;
    return `${img.field} is ${dimensions(img)}; each side must be ${sideRange(rules)} for this model. Resize it.`;
  },
  (img, rules) =>
    rules.square && img.width !== img.height
      ? `${img.field} is ${dimensions(img)}; this model needs a square image (width equal to height). Crop or pad it.`
      : undefined,
  (img, rules) =>
    rules.requires_alpha && !img.hasAlpha
      ? `${img.field} has no alpha channel; this model needs an image with transparency (e.g. a PNG with alpha).`
      : undefined,
  (img, rules) =>
    rules.no_alpha && img.hasAlpha
      ? `${img.field} has an alpha channel; this model takes images without transparency. Flatten it (e.g. save as JPEG).`
      : undefined,
];

export function checkImages(images: InputImage[], rules: ImageInputRules, opts: { fieldBase: string }): void {
  const { fieldBase } = opts;
  if (images.length > rules.max_images) {
    const firstExtra = images[rules.max_images]!.field;
    throw invalidRequest(
      fieldBase,
      `${fieldBase} has ${plural(images.length, 'image')}; this model accepts at most ${rules.max_images}. Remove ${firstExtra} and any after it.`,
    );
  }
  if (images.length < rules.min_images) {
    throw invalidRequest(fieldBase, `${fieldBase} has ${plural(images.length, 'image')}; this model needs at least ${rules.min_images}.`);
  }
  for (const img of images) {
    for (const rule of PER_IMAGE_RULES) {
      const broken = rule(img, rules);
      if (broken) throw invalidRequest(img.field, broken);
    }
  }
}
