/**
 * Ark images response → ImageResult. Items are images (url or b64_json, with their size) or per-image
 * failures (`error`), which count in failedCount; a reply with no image at all is an error.
 */
import { base64Head } from '../../bytes/index.js';
import { GatewayError } from '../../domain/errors.js';
import { sniffImageType } from '../../media/image-input.js';
import type { Base64Text, GeneratedImage, ImageJob, ImageMime, ImageResult, TokenUsage } from '../../domain/job.js';
import { ARK, type ArkErrorObject, itemError } from './errors.js';

export interface ArkImagesResponse {
  model?: string;
  created?: number;
  data?: Array<{ url?: string; b64_json?: Base64Text; size?: string; error?: ArkErrorObject }>;
  usage?: { generated_images?: number; output_tokens?: number; total_tokens?: number };
}

/** Seedream 4.x returns JPEG; sniffing the first decoded bytes keeps that honest if a model ever answers otherwise. */
function mimeOfBase64(b64: Base64Text): ImageMime {
  return sniffImageType(base64Head(b64)) ?? 'image/jpeg';
}

function usageOf(u: ArkImagesResponse['usage']): TokenUsage | undefined {
  if (!u) return undefined;
  return { outputImageTokens: u.output_tokens, totalTokens: u.total_tokens };
}

export function toResult(body: ArkImagesResponse, job: ImageJob, upstreamRequestId: string | undefined): ImageResult {
  if (typeof body !== 'object' || body === null || !Array.isArray(body.data)) {
    throw new GatewayError('upstream_error', `${ARK} returned a response without a data list.`, { retryable: true, upstreamRequestId });
  }
  const images: GeneratedImage[] = [];
  const failures: ArkErrorObject[] = [];
  for (const item of body.data) {
    if (item?.b64_json) images.push({ payload: { kind: 'b64', b64: item.b64_json, mime: mimeOfBase64(item.b64_json) }, size: item.size });
    else if (item?.url) images.push({ payload: { kind: 'remote', url: item.url }, size: item.size });
    else failures.push(item?.error ?? { message: 'an item with neither url nor b64_json' });
  }
  if (images.length === 0) {
    if (failures[0]) throw itemError(failures[0], job, upstreamRequestId);
    throw new GatewayError('no_image_generated', 'The model returned no image. Nothing was delivered; try rephrasing the prompt.', { upstreamRequestId });
  }
  return { images, failedCount: failures.length, usage: usageOf(body.usage), upstreamRequestId, meta: { size: images[0]!.size } };
}
