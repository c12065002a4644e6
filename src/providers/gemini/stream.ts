/**
 * One `streamGenerateContent?alt=sse` call (Gemini API docs). Each event is a partial
 * GenerateContentResponse: text parts continue the text, an image arrives whole in one part, and the last
 * events carry finishReason and the final usageMetadata. Each piece is reported as it arrives; the reply is
 * then settled by the same rules as a whole generateContent answer (response.ts).
 */
import type { GeneratedImage, ResultDelta } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import { openUpstreamStream } from '../http-stream.js';
import { sseData } from '../sse.js';
import type { CallContext } from '../../domain/adapter.js';
import { type GoogleErrorBody, malformedReplyError, streamedError, toError } from './errors.js';
import { type GeminiReply, type GenerateContentResponse, imageOf, noCandidateError, settleReply, textOf, toUsage, type UsageMetadata } from './response.js';

/** One event holds at most one whole image (a 4K PNG: some 20 MB as base64, assumed); anything larger is refused. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

type StreamEvent = GenerateContentResponse & GoogleErrorBody;

function parse(data: string, responseId: string | undefined): StreamEvent {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    throw malformedReplyError('a streamed event is not JSON', responseId);
  }
  if (typeof event !== 'object' || event === null) throw malformedReplyError('a streamed event is not a JSON object', responseId);
  return event as StreamEvent;
}

export async function streamOnce(
  who: string,
  request: UpstreamRequest,
  ctx: CallContext,
  outputSize: string | undefined,
  acceptTextOnly: boolean,
  onDelta: (delta: ResultDelta) => void,
): Promise<GeminiReply> {
  const res = await openUpstreamStream(who, request, ctx);
  if (res.status !== 200) throw toError(await res.whole(), who);
  const images: GeneratedImage[] = [];
  let text = '';
  let candidateSeen = false;
  let finishReason: string | undefined;
  let usage: UsageMetadata | undefined;
  let responseId: string | undefined;
  let promptFeedback: GenerateContentResponse['promptFeedback'];
  let complete = true;
  try {
    for await (const data of sseData(who, res.body, { maxEventBytes: MAX_EVENT_BYTES })) {
      const event = parse(data, responseId);
      if (event.error) throw streamedError(event);
      responseId ??= event.responseId;
      promptFeedback ??= event.promptFeedback;
      // Each event's usageMetadata covers the stream so far: the last one is the total.
      if (event.usageMetadata) usage = event.usageMetadata;
      const candidate = event.candidates?.[0];
      if (!candidate) continue;
      candidateSeen = true;
      if (candidate.finishReason) finishReason = candidate.finishReason;
      for (const part of candidate.content?.parts ?? []) {
        const piece = textOf(part);
        if (piece) {
          text += piece;
          onDelta({ kind: 'text', text: piece });
        }
        const image = imageOf(part, outputSize);
        if (image) {
          images.push(image);
          onDelta({ kind: 'image', image });
        }
      }
    }
  } catch (e) {
    // The client going away, or a failure before any image: the call failed and nothing is charged. Once an
    // image has been shown, that image is the answer even if the stream then breaks: it is delivered and
    // billed, but without the cut-off usage, so the charge is the quoted share rather than half a count.
    if (ctx.signal.aborted || images.length === 0) throw e;
    complete = false;
  } finally {
    res.close();
  }
  if (!candidateSeen) throw noCandidateError({ promptFeedback, responseId });
  // Gemini's last event always names a finishReason: a stream that stopped without one was cut off.
  if (complete && finishReason === undefined && images.length === 0) throw malformedReplyError('the stream ended before the answer was complete', responseId);
  return settleReply({ images, text: text || undefined, finishReason, usage: complete ? toUsage(usage) : undefined, responseId }, acceptTextOnly);
}
