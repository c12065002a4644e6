/**
 * `POST /v1/images/generations` and `/v1/images/edits` with `stream: true`, answered as OpenAI's image
 * stream. The request runs the same prepare → execute as every image request (one hold, settled or refunded
 * exactly once; the same request-log row), modelled on chat-stream.ts:
 *
 * - everything that can refuse it (key, model, contract, partial_images, limits, balance) happens before the
 *   first byte, so those are ordinary JSON errors with their HTTP status;
 * - then the headers go out, keep-alive comments hold the connection while the upstream works, and each
 *   partial image the upstream sends (GPT Image models) becomes a `*.partial_image` event as it arrives;
 * - each finished image is a `*.completed` event, the last one carrying the usage it was billed on; the
 *   hold is settled once the last byte reached the client's connection (charge-on-delivery.ts);
 * - a failure after the first byte is an `error` event (`{"error": …}`, what the openai SDK reads) and the
 *   hold is refunded, as it is when the client hangs up before its completed events.
 *
 * A streamed answer always carries its images as base64 (the completed event's `b64_json`, which the spec
 * requires): `response_format: "url"` is refused, and a model whose default is url streams b64_json.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DraftRequest } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';
import type { ImageStream, PartialImage, ResponseFormat } from '../domain/job.js';
import { completedEvents, partialImageEvent, streamFamilyOf } from '../dialects/image-stream-events.js';
import { delivered, execute } from '../pipeline/pipeline.js';
import { chargeOnDelivery } from './charge-on-delivery.js';
import { endInFailure, openEventStream, runKeyedStream, type StreamOutcome } from './event-stream.js';
import { fingerprint } from './idempotency/store.js';
import { draftFingerprint, type ImageRequestDeps } from './image-request.js';

/** A draft whose client reads the answer as an image stream. */
export type StreamedDraft = DraftRequest & { imageStream: ImageStream };

export const isStreamed = (d: DraftRequest): d is StreamedDraft => d.imageStream !== undefined;

/** Streamed images travel in the events' `b64_json`: the spec has no URL there, and OpenAI streams base64 only. */
function streamedFormat(asked: ResponseFormat | undefined): ResponseFormat {
  if (asked === 'url') {
    throw invalidRequest(
      'response_format',
      'A streamed answer carries each image as b64_json in its completed event; response_format "url" applies without stream. Remove one of them.',
    );
  }
  return 'b64_json';
}

export function runImageStream(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, given: StreamedDraft): Promise<FastifyReply> {
  const draft: StreamedDraft = { ...given, responseFormat: streamedFormat(given.responseFormat) };
  const print = () => fingerprint(['image-stream', draftFingerprint(draft), draft.imageStream.partialImages]);
  return runKeyedStream(deps, req, reply, draft, print, (record) => streamAnswer(deps, req, reply, draft, record));
}

async function streamAnswer(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: StreamedDraft, record: boolean): Promise<StreamOutcome> {
  const open = await openEventStream(deps, req, reply, draft, record);
  const { trace, prepared, sse, signal } = open;
  const family = streamFamilyOf(draft.endpoint);
  const onPartialImage = (p: PartialImage) => {
    const event = partialImageEvent(family, p, Math.floor(Date.now() / 1000));
    sse.named(event.type, event);
  };
  try {
    const execution = await execute(deps.pipeline, prepared, { signal, onPartialImage });
    // Sent with what it will charge; the hold closes once the last event is delivered (or kept for replays).
    const delivery = (trace.delivery = delivered(execution, execution.settlement.amount));
    trace.settlement = execution.settlement;
    trace.upstreamRequestId = delivery.result.upstreamRequestId;
    for (const event of completedEvents(family, delivery, req.id)) sse.named(event.type, event);
    if (!record) trace.charged = chargeOnDelivery(reply, execution.settlement);
    // OpenAI's image stream has no closing event: the last completed event ends it.
    sse.close();
    return { transcript: sse.text() };
  } catch (e) {
    return endInFailure(req, reply, open, e, (err) => {
      sse.named('error', err.toBody());
      sse.close();
    });
  }
}
