/**
 * What every server-sent-events answer of an image request shares (chat-stream.ts, image-stream.ts): the
 * Idempotency-Key wrapper that keeps and replays the event transcript, the opening (prepare() and the hold
 * before the first byte, then the 200 headers and keep-alives), and the ending in failure (refund, the
 * request log's error, an error event unless the client is gone). Each stream writes its own events between.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DraftRequest } from '../domain/draft.js';
import { type GatewayError, toGatewayError } from '../domain/errors.js';
import { prepare, type PreparedJob } from '../pipeline/pipeline.js';
import { refundUndelivered } from './charge-on-delivery.js';
import { clientGone } from './client-gone.js';
import { runIdempotent } from './idempotency/run.js';
import { retryable } from './idempotency/store.js';
import type { ImageRequestDeps, ImageRequestTrace } from './image-request.js';
import { SseWriter } from './sse-writer.js';

const SSE_TYPE = 'text/event-stream; charset=utf-8';

export interface StreamOutcome {
  /** The events written (no keep-alives), for an Idempotency-Key replay. */
  transcript: string;
  error?: GatewayError;
}

/**
 * Runs `answer` under the request's Idempotency-Key, if any: `record` tells it the transcript is kept for
 * replays (and charged once kept) rather than charged on delivery.
 */
export async function runKeyedStream(
  deps: ImageRequestDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  draft: DraftRequest,
  fingerprint: () => string,
  answer: (record: boolean) => Promise<StreamOutcome>,
): Promise<FastifyReply> {
  await runIdempotent(deps, req, reply, {
    draft,
    fingerprint,
    run: (kept) => answer(kept !== undefined),
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

export interface OpenStream {
  trace: ImageRequestTrace;
  prepared: PreparedJob;
  sse: SseWriter;
  /** Fires when the client hangs up. */
  signal: AbortSignal;
}

/**
 * prepare() (whose refusals are thrown, to be answered as JSON errors), then the 200 event-stream headers
 * with the hold's id, and the body that keep-alives hold open from here on.
 */
export async function openEventStream(
  deps: ImageRequestDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  draft: DraftRequest,
  record: boolean,
): Promise<OpenStream> {
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
  return { trace, prepared, sse, signal };
}

/**
 * A failure after the first byte: nothing is charged (execute() refunded its hold; a success not yet
 * delivered is refunded here), the request log gets the error, and a client still there gets it as the
 * stream's error event (`writeError`, which also ends the stream in its protocol's way).
 */
export async function endInFailure(
  req: FastifyRequest,
  reply: FastifyReply,
  open: Pick<OpenStream, 'trace' | 'sse' | 'signal'>,
  e: unknown,
  writeError: (err: GatewayError) => void,
): Promise<StreamOutcome> {
  const { trace, sse, signal } = open;
  await refundUndelivered(trace);
  const err = toGatewayError(e);
  trace.upstreamRequestId = err.upstreamRequestId;
  reply.errorCode = err.code;
  reply.errorMessage = err.message;
  if (err.status >= 500) req.log.error({ err: err.cause ?? err, code: err.code }, 'request failed after the stream started');
  if (signal.aborted) sse.close();
  else writeError(err);
  return { transcript: sse.text(), error: err };
}
