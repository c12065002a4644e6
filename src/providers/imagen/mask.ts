/**
 * The client's mask in imagegate's (OpenAI's) sense, transparent where the image may change, → Imagen's, white
 * where it may change and black elsewhere (Vertex AI "Edit images": MASK_MODE_USER_PROVIDED).
 */
import { loadSharp } from '../../media/lazy-sharp.js';
import type { InputImage } from '../../domain/job.js';

export async function imagenMask(mask: InputImage): Promise<Buffer> {
  const sharp = await loadSharp();
  // The alpha channel is 255 where the mask is opaque (keep): its negative is Imagen's white-means-edit.
  return sharp(mask.bytes).ensureAlpha().extractChannel(3).negate().png().toBuffer();
}
