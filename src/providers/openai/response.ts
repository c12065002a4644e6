/**
 * An OpenAI images response → ImageResult. The body is parsed once and each b64_json string is passed on
 * as it is (never decoded here); URLs (DALL·E url mode) become remote payloads the pipeline re-hosts.
 */
import { Base64Bytes } from '../../bytes/index.js';
import type { Base64Text, GeneratedImage, ImageJob, ImagePayload, ImageResult, TokenUsage } from '../../domain/job.js';
import { malformedReplyError, noImageError } from './errors.js';
import { mimeOfFormat } from './mapping.js';

export interface ImageDatum {
  b64_json?: Base64Text;
  url?: string;
  revised_prompt?: string;
}

export interface OpenAIUsage {
  input_tokens?: number;
  input_tokens_details?: { image_tokens?: number; text_tokens?: number };
  output_tokens?: number;
  output_tokens_details?: { image_tokens?: number; text_tokens?: number };
  total_tokens?: number;
}

export interface OpenAIImagesResponse<Datum extends ImageDatum = ImageDatum> {
  created?: number;
  data?: Datum[];
  background?: string;
  output_format?: string;
  quality?: string;
  size?: string;
  usage?: OpenAIUsage;
}

function payloadOf(d: ImageDatum, mime: ReturnType<typeof mimeOfFormat>): ImagePayload | undefined {
  if ((typeof d.b64_json === 'string' || d.b64_json instanceof Base64Bytes) && d.b64_json.length > 0) return { kind: 'b64', b64: d.b64_json, mime };
  if (typeof d.url === 'string' && d.url !== '') return { kind: 'remote', url: d.url };
  return undefined;
}

/** Without a per-kind split, input tokens are all text and output tokens all image (what an image reply is). */
export function toUsage(u: OpenAIUsage | undefined): TokenUsage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  return {
    inputTextTokens: u.input_tokens_details?.text_tokens ?? u.input_tokens,
    inputImageTokens: u.input_tokens_details?.image_tokens,
    outputImageTokens: u.output_tokens_details?.image_tokens ?? u.output_tokens,
    outputTextTokens: u.output_tokens_details?.text_tokens,
    totalTokens: u.total_tokens,
  };
}

export function metaOf(body: Pick<OpenAIImagesResponse, 'size' | 'quality' | 'background' | 'output_format'>): ImageResult['meta'] {
  const entries = Object.entries({ size: body.size, quality: body.quality, background: body.background, output_format: body.output_format }).filter(
    ([, v]) => typeof v === 'string',
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** `who` names the upstream in errors: every upstream speaking OpenAI's images shape reads its answers here. */
export function toResult(body: OpenAIImagesResponse, job: ImageJob, upstreamRequestId: string | undefined, who?: string): ImageResult {
  if (typeof body !== 'object' || body === null || !Array.isArray(body.data)) {
    throw malformedReplyError('no data list', upstreamRequestId, who);
  }
  // The reply's own output_format wins: it is what the bytes are. DALL·E reports none and sends PNG.
  const mime = mimeOfFormat(body.output_format ?? job.params.output_format);
  // Per-image size only when it is real dimensions (the reply echoes the effective size, never "auto").
  const size = typeof body.size === 'string' && /^\d+x\d+$/.test(body.size) ? body.size : undefined;
  const images: GeneratedImage[] = [];
  for (const d of body.data) {
    const payload = d && typeof d === 'object' ? payloadOf(d, mime) : undefined;
    if (!payload) continue;
    images.push({ payload, ...(d.revised_prompt ? { revisedPrompt: d.revised_prompt } : {}), ...(size ? { size } : {}) });
  }
  if (images.length === 0) throw noImageError(upstreamRequestId, who);
  return {
    images,
    // OpenAI reports no per-image failure: every image it did not return counts as failed.
    failedCount: Math.max(0, job.n - images.length),
    usage: toUsage(body.usage),
    upstreamRequestId,
    meta: metaOf(body),
  };
}
