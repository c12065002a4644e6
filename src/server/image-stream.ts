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
import { type GatewayError, invalidRequest, toGatewayError } from '../domain/errors.js';
import type { ImageStream, PartialImage, ResponseFormat } from '../domain/job.js';
import { completedEvents, partialImageEvent, streamFamilyOf } from '../dialects/image-stream-events.js';
import { delivered, execute, prepare, type PreparedJob } from '../pipeline/pipeline.js';
import { chargeOnDelivery, refundUndelivered } from './charge-on-delivery.js';
import { clientGone } from './client-gone.js';
import { runIdempotent } from './idempotency/run.js';
import { fingerprint, retryable } from './idempotency/store.js';
import { draftFingerprint, type ImageRequestDeps, type ImageRequestTrace } from './image-request.js';
import { SseWriter } from './sse-writer.js';

const SSE_TYPE = 'text/event-stream; charset=utf-8';

/** A draft whose client reads the answer as an image stream. */
export type StreamedDraft = DraftRequest & { imageStream: ImageStream };

export const isStreamed = (d: DraftRequest): d is StreamedDraft => d.imageStream !== undefined;

interface StreamOutcome {
  /** The events written (no keep-alives), for an Idempotency-Key replay. */
  transcript: string;
  error?: GatewayError;
}

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

export async function runImageStream(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, given: StreamedDraft): Promise<FastifyReply> {
  const draft: StreamedDraft = { ...given, responseFormat: streamedFormat(given.responseFormat) };
  await runIdempotent(deps, req, reply, {
    draft,
    fingerprint: fingerprint(['image-stream', draftFingerprint(draft), draft.imageStream.partialImages]),
    run: (kept) => streamAnswer(deps, req, reply, draft, kept !== undefined),
    keep: (outcome) => {
      const billing = reply.getHeader('x-billing-transaction-id');
      // An error event after the stream began is part of a 200 reply: a replay gets the same stream.
      return {
        status: 200,
        body: outcome.transcript,
        headers: { 'content-type': SSE_TYPE, ...(billing ? { 'x-billing-transaction-id': String(billing) } : {}) },
      };
    },
    // As with JSON answers: a failure another try may fix (5xx, 429) is not kept, so the retry runs again.
    retry: (outcome) => outcome.error !== undefined && retryable(outcome.error.status),
  });
  return reply;
}

async function streamAnswer(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: StreamedDraft, record: boolean): Promise<StreamOutcome> {
  const trace: ImageRequestTrace = { draft };
  req.imageTrace = trace;
  const signal = clientGone(reply);
  let prepared: PreparedJob;
  try {
    prepared = trace.prepared = await prepare(deps.pipeline, req.principal!, draft, req.id, signal);
  } catch (e) {
    const err = toGatewayError(e);
    trace.upstreamRequestId = err.upstreamRequestId;
    throw err;
  }
  reply.headers(prepared.rateLimitHeaders);
  if (prepared.dropped.length) reply.header('x-imagegate-dropped-fields', prepared.dropped.join(','));
  if (prepared.hold) reply.header('x-billing-transaction-id', prepared.hold.id);
  const sse = new SseWriter(deps.pipeline.config.streamKeepAliveMs, { record });
  // x-accel-buffering: nginx would otherwise hold the events back until its buffer fills.
  reply.code(200).type(SSE_TYPE).header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
  void reply.send(sse.body);

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
    sse.close();
    return { transcript: sse.text() };
  } catch (e) {
    // Delivered in part at most (an error event follows): nothing is charged.
    await refundUndelivered(trace);
    const err = toGatewayError(e);
    trace.upstreamRequestId = err.upstreamRequestId;
    reply.errorCode = err.code;
    reply.errorMessage = err.message;
    if (err.status >= 500) req.log.error({ err: err.cause ?? err, code: err.code }, 'image stream failed after it started');
    if (!signal.aborted) sse.named('error', err.toBody());
    sse.close();
    return { transcript: sse.text(), error: err };
  }
}
