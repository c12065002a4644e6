/**
 * fal's answers → what the loop needs: a status reply's state and progress, and a completed request's
 * output `{images: [{url, width, height, content_type}], has_nsfw_concepts?: [bool]}` as an ImageResult.
 * An image fal's safety checker flagged (has_nsfw_concepts[i]) is never delivered: fal blacks it out; it
 * counts as failed (not charged), and when every image was flagged the request is a content_policy_violation.
 */
import { GatewayError } from '../../domain/errors.js';
import type { GeneratedImage, ImageMime, ImageResult } from '../../domain/job.js';
import { malformed } from './errors.js';
import { FAL, IMAGE_TYPES } from './mapping.js';

export interface StatusReply {
  status?: unknown;
  queue_position?: unknown;
  logs?: unknown;
  error?: unknown;
}

/**
 * A real percentage from the runner's logs, when the model writes a progress bar (tqdm's `45%|████`, as
 * diffusion pipelines on fal do): the last such line wins. Queue positions say nothing of a percentage.
 */
export function progressOfLogs(logs: unknown): number | undefined {
  if (!Array.isArray(logs)) return undefined;
  for (let i = logs.length - 1; i >= 0; i--) {
    const message = (logs[i] as { message?: unknown } | null)?.message;
    const m = typeof message === 'string' ? /(\d{1,3})%\|/.exec(message) : null;
    if (m) return Math.min(100, Number(m[1]));
  }
  return undefined;
}

interface FalImage {
  url?: unknown;
  width?: unknown;
  height?: unknown;
  content_type?: unknown;
}

export function toResult(body: unknown, upstreamRequestId: string): ImageResult {
  const { images, has_nsfw_concepts: flags } = (body ?? {}) as { images?: unknown; has_nsfw_concepts?: unknown };
  if (!Array.isArray(images) || images.length === 0) throw malformed('no images in the output');
  const flagged = (i: number) => Array.isArray(flags) && flags[i] === true;
  const delivered: GeneratedImage[] = [];
  images.forEach((raw: FalImage, i) => {
    if (flagged(i)) return;
    if (typeof raw?.url !== 'string' || raw.url === '') throw malformed(`image ${i} has no url`);
    const type = typeof raw.content_type === 'string' && IMAGE_TYPES.has(raw.content_type) ? (raw.content_type as ImageMime) : undefined;
    const size = typeof raw.width === 'number' && typeof raw.height === 'number' ? `${raw.width}x${raw.height}` : undefined;
    delivered.push({ payload: { kind: 'remote', url: raw.url, ...(type ? { mime: type } : {}) }, ...(size ? { size } : {}) });
  });
  if (delivered.length === 0) {
    throw new GatewayError('content_policy_violation', `${FAL}'s safety checker flagged every generated image. Nothing was charged; change the prompt.`, {
      param: null,
      upstreamRequestId,
    });
  }
  return { images: delivered, failedCount: images.length - delivered.length, upstreamRequestId };
}
