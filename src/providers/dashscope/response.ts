/**
 * DashScope reply bodies → ImageResult. Both protocols answer with provider-hosted URLs (24 h), passed on as
 * `remote` payloads for the pipeline to re-host.
 */
import { GatewayError } from '../../domain/errors.js';
import type { GeneratedImage, ImageJob, ImageResult, TokenUsage } from '../../domain/job.js';
import { redact } from '../redact.js';
import { type DashScopeError, generationFailure, WHO } from './errors.js';
import { fromUpstreamSize } from './mapping.js';

interface ContentItem {
  image?: unknown;
  text?: unknown;
  type?: string;
}

export interface MessagesReply {
  request_id?: string;
  code?: string;
  message?: string;
  output?: { choices?: Array<{ finish_reason?: string; message?: { role?: string; content?: ContentItem[] } }>; finished?: boolean };
  usage?: { image_count?: number; input_tokens?: number; output_tokens?: number; total_tokens?: number; size?: string };
}

export interface TaskResultItem extends DashScopeError {
  url?: string;
  orig_prompt?: string;
  actual_prompt?: string;
}

export interface TaskOutput {
  task_id?: string;
  task_status?: string;
  code?: string;
  message?: string;
  results?: TaskResultItem[];
  task_metrics?: { TOTAL?: number; SUCCEEDED?: number; FAILED?: number };
}

export interface TaskReply {
  request_id?: string;
  output?: TaskOutput;
  usage?: { image_count?: number };
}

const malformed = (what: string, upstreamRequestId: string | undefined) =>
  new GatewayError('upstream_error', `${WHO} returned a malformed response body (${what}).`, { retryable: true, upstreamRequestId });

const noImage = (upstreamRequestId: string | undefined, said?: string) =>
  new GatewayError(
    'no_image_generated',
    `${WHO} returned no image${said ? ` (it said: ${redact(said).slice(0, 200)})` : ''}. Rephrase the prompt and try again.`,
    {
      upstreamRequestId,
    },
  );

/** usage.size "1280*1280" → "1280x1280"; anything else is not a size. */
function reportedSize(size: unknown): string | undefined {
  return typeof size === 'string' && /^\d+\*\d+$/.test(size) ? fromUpstreamSize(size) : undefined;
}

/** Image models report zero tokens; only real counts become usage. Text and image input are not split (assumed). */
function tokenUsage(usage: MessagesReply['usage']): TokenUsage | undefined {
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  const u: TokenUsage = {
    inputTextTokens: count(usage?.input_tokens),
    outputImageTokens: count(usage?.output_tokens),
    totalTokens: count(usage?.total_tokens),
  };
  return Object.values(u).some((v) => v !== undefined) ? u : undefined;
}

export function fromMessages(reply: MessagesReply, job: ImageJob): ImageResult {
  const upstreamRequestId = reply?.request_id;
  if (typeof reply !== 'object' || reply === null) throw malformed('not a JSON object', undefined);
  if (!reply.output && reply.code) throw generationFailure(job, reply, upstreamRequestId);
  const choices = reply.output?.choices;
  if (!Array.isArray(choices)) throw malformed('no output.choices', upstreamRequestId);
  const size = reportedSize(reply.usage?.size);
  const items = choices.flatMap((c) => (Array.isArray(c?.message?.content) ? c.message.content : []));
  const images: GeneratedImage[] = items
    .filter((item) => typeof item?.image === 'string' && item.image !== '')
    .map((item) => ({ payload: { kind: 'remote', url: item.image as string }, ...(size ? { size } : {}) }));
  const text = items.flatMap((item) => (typeof item?.text === 'string' ? [item.text] : [])).join('\n') || undefined;
  if (images.length === 0) throw noImage(upstreamRequestId, text);
  const usage = tokenUsage(reply.usage);
  return { images, failedCount: 0, upstreamRequestId, ...(usage ? { usage } : {}), ...(text ? { text } : {}), ...(size ? { meta: { size } } : {}) };
}

/** A SUCCEEDED task: images by URL; items with code/message and task_metrics.FAILED are failed images. */
export function fromSucceededTask(output: TaskOutput, job: ImageJob, upstreamRequestId: string | undefined): ImageResult {
  const results = Array.isArray(output.results) ? output.results : [];
  const images: GeneratedImage[] = [];
  const failed: TaskResultItem[] = [];
  for (const item of results) {
    if (typeof item?.url === 'string' && item.url !== '') {
      const revised = item.actual_prompt && item.actual_prompt !== item.orig_prompt ? { revisedPrompt: item.actual_prompt } : {};
      images.push({ payload: { kind: 'remote', url: item.url }, ...revised });
    } else {
      failed.push(item ?? {});
    }
  }
  const failedCount = Math.max(failed.length, Number(output.task_metrics?.FAILED ?? 0) || 0);
  if (images.length === 0) {
    const reason = failed.find((f) => f.code);
    throw reason ? generationFailure(job, reason, upstreamRequestId) : noImage(upstreamRequestId);
  }
  return { images, failedCount, upstreamRequestId };
}
