/**
 * One streamed OpenAI images call (`stream: true` with `partial_images`, OpenAI Images API docs): server-sent
 * events `image_generation.partial_image` / `image_edit.partial_image` (a preview), then
 * `image_generation.completed` / `image_edit.completed` (the image, with the usage it is billed on), or an
 * `error` event. Each event's base64 text is lifted out of its bytes where it lies (bytes/json-bytes.ts):
 * previews go to the client as they arrive, the completed image becomes the result, neither decoded.
 */
import { Base64Bytes, LIFT_IMAGES_FROM_CHARS, parseLifting } from '../../bytes/index.js';
import { GatewayError } from '../../domain/errors.js';
import type { Base64Text, ImageJob, ImageResult, PartialImage } from '../../domain/job.js';
import type { CallContext } from '../../domain/adapter.js';
import type { UpstreamRequest } from '../http.js';
import { openUpstreamStream } from '../http-stream.js';
import { redact } from '../redact.js';
import { sseEvents } from '../sse.js';
import { malformedReplyError } from './errors.js';
import { type ImagesApiFlavour, requestIdOf } from './flavour.js';
import { mimeOfFormat } from './mapping.js';
import { metaOf, type OpenAIImagesResponse, type OpenAIUsage, toResult } from './response.js';

/** One event holds at most one whole image (a 4K PNG: some 20 MB as base64, assumed); anything larger is refused. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

interface StreamEvent {
  type?: string;
  b64_json?: Base64Text;
  partial_image_index?: number;
  size?: string;
  quality?: string;
  background?: string;
  output_format?: string;
  usage?: OpenAIUsage;
  error?: { message?: string; type?: string; code?: string | null; param?: string | null };
}

/** Codes of a refusal by OpenAI's safety system, as the whole-answer path maps them (errors.ts). */
const CONTENT_POLICY = new Set(['moderation_blocked', 'content_policy_violation']);

function parse(who: string, data: Buffer, upstreamRequestId: string | undefined): StreamEvent {
  let event: unknown;
  try {
    event = parseLifting(data, 'b64_json', { minLength: LIFT_IMAGES_FROM_CHARS });
  } catch {
    throw malformedReplyError('a streamed event is not JSON', upstreamRequestId, who);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw malformedReplyError('a streamed event is not a JSON object', upstreamRequestId, who);
  return event as StreamEvent;
}

/** An `error` event: the answer had started (HTTP 200), so the status is OpenAI's error code's alone to tell. */
function streamedError(who: string, e: NonNullable<StreamEvent['error']>, upstreamRequestId: string | undefined): GatewayError {
  const message = redact(e.message ?? 'the stream reported an error');
  if (e.code && CONTENT_POLICY.has(e.code)) {
    return new GatewayError(
      'content_policy_violation',
      `${who}'s safety system refused this request: ${message} Nothing was charged; change the prompt or the images.`,
      {
        upstreamRequestId,
      },
    );
  }
  return new GatewayError('upstream_error', `${who} failed while streaming the image: ${message}`, { upstreamRequestId });
}

const isB64 = (v: unknown): v is Base64Text => typeof v === 'string' || v instanceof Base64Bytes;

export async function streamImages(
  host: Pick<ImagesApiFlavour, 'who' | 'toError' | 'requestIdHeaders'>,
  request: UpstreamRequest,
  job: ImageJob,
  ctx: CallContext,
  onPartialImage: (p: PartialImage) => void,
): Promise<ImageResult> {
  const WHO = host.who;
  const res = await openUpstreamStream(WHO, request, ctx);
  if (res.status !== 200) throw host.toError(await res.whole());
  const upstreamRequestId = requestIdOf(host, res);
  let completed: StreamEvent | undefined;
  let partials = 0;
  try {
    for await (const sse of sseEvents(WHO, res.body, { maxEventBytes: MAX_EVENT_BYTES })) {
      const event = parse(WHO, sse.data, upstreamRequestId);
      if (sse.event === 'error' || event.error) throw streamedError(WHO, event.error ?? {}, upstreamRequestId);
      const type = event.type ?? sse.event ?? '';
      if (type.endsWith('.partial_image') && isB64(event.b64_json) && event.b64_json.length > 0) {
        const index = Number.isInteger(event.partial_image_index) ? event.partial_image_index! : partials;
        partials++;
        const meta = metaOf(event);
        onPartialImage({
          partialIndex: index,
          b64: event.b64_json,
          mime: mimeOfFormat(event.output_format ?? job.params.output_format),
          ...(meta ? { meta } : {}),
        });
      } else if (type.endsWith('.completed')) {
        completed = event;
        // One image per streamed request: its completed event is the answer.
        break;
      }
    }
  } finally {
    res.close();
  }
  if (!completed) throw malformedReplyError('the stream ended before the completed event', upstreamRequestId, WHO);
  const { b64_json, usage, size, quality, background, output_format } = completed;
  const whole: OpenAIImagesResponse = { data: isB64(b64_json) ? [{ b64_json }] : [], usage, size, quality, background, output_format };
  return toResult(whole, job, upstreamRequestId, WHO);
}
