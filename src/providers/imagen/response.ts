/**
 * Imagen's `:predict` answer → ImageResult. Each prediction is an image (`bytesBase64Encoded`, `mimeType`) or,
 * with includeRaiReason, a filtered one (`raiFilteredReason`). Some filtered is a partial delivery
 * (failedCount); all filtered, or none at all (Imagen's answer when it filters every image without a reason),
 * is content_policy_violation.
 */
import { GatewayError } from '../../domain/errors.js';
import type { Base64Text, GeneratedImage, ImageMime, ImageResult } from '../../domain/job.js';

interface Prediction {
  bytesBase64Encoded?: Base64Text;
  mimeType?: string;
  raiFilteredReason?: string;
}

export interface PredictResponse {
  predictions?: Prediction[];
}

const MIMES = new Set<string>(['image/png', 'image/jpeg']);
const MAX_QUOTED = 300;

export function readPredictions(
  who: string,
  body: PredictResponse,
  requested: number,
  outputSize: string | undefined,
  upstreamRequestId?: string,
): ImageResult {
  if (typeof body !== 'object' || body === null) {
    throw new GatewayError('upstream_error', `${who} returned a malformed response: the body is not a JSON object.`, { retryable: true, upstreamRequestId });
  }
  const predictions = Array.isArray(body.predictions) ? body.predictions : [];
  const images: GeneratedImage[] = predictions.flatMap((p) => {
    if (!p.bytesBase64Encoded || p.raiFilteredReason) return [];
    // Imagen names the type it wrote; PNG is its default when it does not.
    const mime = (p.mimeType && MIMES.has(p.mimeType) ? p.mimeType : 'image/png') as ImageMime;
    return [{ payload: { kind: 'b64' as const, b64: p.bytesBase64Encoded, mime }, ...(outputSize ? { size: outputSize } : {}) }];
  });
  if (images.length === 0) {
    const reason = predictions.find((p) => p.raiFilteredReason)?.raiFilteredReason;
    const quoted = reason ? ` Imagen said: "${reason.length > MAX_QUOTED ? `${reason.slice(0, MAX_QUOTED)}…` : reason}"` : '';
    throw new GatewayError(
      'content_policy_violation',
      `Imagen's safety filters removed every image of this request. Nothing was charged; change the prompt or the images.${quoted}`,
      { upstreamRequestId },
    );
  }
  return {
    images,
    failedCount: Math.max(0, requested - images.length),
    upstreamRequestId,
    ...(outputSize ? { meta: { size: outputSize } } : {}),
  };
}
