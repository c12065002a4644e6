/**
 * An edit mask: a PNG the size of the first image whose transparent pixels mark the area to edit. A mask
 * that is opaque everywhere would edit nothing, and upstreams answer it with an opaque error, so it is
 * refused here; that one check needs the alpha channel decoded (masks are small, and already held to the
 * pixel cap by inspectImage).
 */
import { decodeSlots } from '../decode-slots.js';
import { loadSharp } from '../lazy-sharp.js';
import type { ImageInputRules } from '../../domain/model-spec.js';
import { invalidRequest } from '../../domain/errors.js';
import type { InputImage } from '../../domain/job.js';
import { dimensions } from './describe.js';
import { IMAGE_FORMATS } from './formats.js';

async function isFullyOpaque(mask: InputImage): Promise<boolean> {
  const sharp = await loadSharp();
  try {
    const stats = await decodeSlots.run(() => sharp(mask.bytes, { limitInputPixels: mask.width * mask.height }).stats());
    return stats.isOpaque;
  } catch {
    throw invalidRequest(mask.field, `${mask.field} could not be decoded as PNG: its image data is damaged. Send the original file.`);
  }
}

export async function checkMask(mask: InputImage, first: InputImage, rules: ImageInputRules): Promise<void> {
  const f = mask.field;
  if (!rules.mask) {
    throw invalidRequest(f, `${f} was sent but this model does not take a mask; leave it out or choose a model that supports masks.`);
  }
  if (mask.mime !== 'image/png') {
    throw invalidRequest(f, `${f} is a ${IMAGE_FORMATS[mask.mime].name} image; a mask must be a PNG whose transparent pixels mark the area to edit.`);
  }
  if (mask.width !== first.width || mask.height !== first.height) {
    throw invalidRequest(
      f,
      `${f} is ${dimensions(mask)} but ${first.field} is ${dimensions(first)}; they must match. Resize the mask to ${dimensions(first)}.`,
    );
  }
  if (!mask.hasAlpha) {
    throw invalidRequest(f, `${f} has no alpha channel; save it as a PNG with transparency, transparent where the image should be edited.`);
  }
  if (await isFullyOpaque(mask)) {
    throw invalidRequest(f, `${f} is fully opaque, so it marks nothing to edit; make the area to edit transparent (alpha 0).`);
  }
}
