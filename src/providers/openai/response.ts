/** OpenAI images response → ImageResult. b64 strings are kept as they are (no decode). */
import type { ImageJob, ImageMime, ImageResult } from '../../core/job.js';
import { MIME_OF_FORMAT } from '../../core/job.js';

export interface OpenAIImagesResponse {
  created?: number;
  data?: Array<{ b64_json?: string; url?: string; revised_prompt?: string }>;
  background?: string;
  output_format?: 'png' | 'jpeg' | 'webp';
  quality?: string;
  size?: string;
  usage?: {
    input_tokens?: number;
    input_tokens_details?: { image_tokens?: number; text_tokens?: number };
    output_tokens?: number;
    output_tokens_details?: { image_tokens?: number; text_tokens?: number };
    total_tokens?: number;
  };
}

export function toResult(body: OpenAIImagesResponse, job: ImageJob, upstreamRequestId: string | undefined): ImageResult {
  const format = body.output_format ?? job.params.output_format ?? 'png';
  const mime: ImageMime = MIME_OF_FORMAT[format] ?? 'image/png';
  const images = (body.data ?? []).flatMap((d) => {
    const payload = d.b64_json ? { kind: 'b64' as const, b64: d.b64_json, mime } : d.url ? { kind: 'remote' as const, url: d.url } : undefined;
    return payload ? [{ payload, revisedPrompt: d.revised_prompt, size: body.size }] : [];
  });
  const u = body.usage;
  return {
    images,
    failedCount: Math.max(0, job.n - images.length),
    upstreamRequestId,
    usage: u
      ? {
          inputTextTokens: u.input_tokens_details?.text_tokens ?? u.input_tokens,
          inputImageTokens: u.input_tokens_details?.image_tokens,
          outputImageTokens: u.output_tokens_details?.image_tokens ?? u.output_tokens,
          outputTextTokens: u.output_tokens_details?.text_tokens,
          totalTokens: u.total_tokens,
        }
      : undefined,
    meta: { size: body.size, quality: body.quality, background: body.background, output_format: body.output_format },
  };
}
