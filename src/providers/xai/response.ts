/**
 * An xAI images answer → ImageResult. The shape is OpenAI's (read by openai/response.ts) with two additions:
 * each datum's `mime_type`, and `respect_moderation: false` on an image xAI's moderation withheld. Such an
 * image is never delivered, whatever payload it carries; when every image was withheld the request is a
 * content_policy_violation, otherwise the withheld ones count as failed (and are not charged).
 */
import type { ImageJob, ImageResult } from '../../domain/job.js';
import { type ImageDatum, type OpenAIImagesResponse, toResult as toImagesResult } from '../openai/response.js';
import { contentPolicyError } from './errors.js';
import { DEFAULT_OUTPUT_FORMAT, XAI } from './mapping.js';

interface XaiDatum extends ImageDatum {
  mime_type?: string;
  respect_moderation?: boolean;
}

const FORMAT_OF_MIME: Readonly<Record<string, string>> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

export function toResult(body: OpenAIImagesResponse<XaiDatum>, job: ImageJob, upstreamRequestId: string | undefined): ImageResult {
  const data = Array.isArray(body?.data) ? body.data : undefined;
  if (!data) return toImagesResult(body, job, upstreamRequestId, XAI);
  const kept = data.filter((d) => !(d && typeof d === 'object' && d.respect_moderation === false));
  if (data.length > 0 && kept.length === 0) {
    throw contentPolicyError('every generated image was withheld (respect_moderation false).', upstreamRequestId);
  }
  const mime = kept.find((d) => typeof d?.mime_type === 'string')?.mime_type;
  const outputFormat = (mime && FORMAT_OF_MIME[mime]) ?? DEFAULT_OUTPUT_FORMAT;
  return toImagesResult({ ...body, data: kept, output_format: outputFormat }, job, upstreamRequestId, XAI);
}
