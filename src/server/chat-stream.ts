/**
 * `POST /v1/chat/completions` with `stream: true`. The request runs the same prepare → execute as every
 * image request (pipeline/pipeline.ts: one hold, settled or refunded exactly once; the same request-log row),
 * and is answered as server-sent chat chunks while it runs:
 *
 * - everything that can refuse it (key, model, contract, limits, balance) happens before the first byte, so
 *   those are ordinary JSON errors with their HTTP status;
 * - then the headers and the assistant's first chunk go out at once, keep-alive comments hold the
 *   connection while the upstream works, and the upstream's text and image become content chunks as they
 *   arrive (upstreams that cannot stream give theirs when they finish);
 * - the final chunk carries finish_reason (usage when asked, and the billing), then `data: [DONE]`;
 * - a failure after the first byte is an `{"error": …}` event and [DONE]; execute() has refunded the hold.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sourceIdentity } from '../domain/draft.js';
import { type GatewayError, toGatewayError } from '../domain/errors.js';
import type { GeneratedImage, ResultDelta } from '../domain/job.js';
import { delivered, execute, prepare, type PreparedJob } from '../pipeline/pipeline.js';
import { chargeOnDelivery, refundUndelivered } from './charge-on-delivery.js';
import { ChatChunks } from '../dialects/chat-chunks.js';
import { type ChatDraft, chatUsage, dataUrlOf } from '../dialects/chat-completions.js';
import { clientGone } from './client-gone.js';
import { runIdempotent } from './idempotency/run.js';
import { fingerprint, retryable } from './idempotency/store.js';
import type { ImageRequestDeps, ImageRequestTrace } from './image-request.js';
import { SseWriter } from './sse-writer.js';

const SSE_TYPE = 'text/event-stream; charset=utf-8';

interface StreamOutcome {
  /** The events written (no keep-alives), for an Idempotency-Key replay. */
  transcript: string;
  error?: GatewayError;
}

/** What makes two streamed requests "the same request" for Idempotency-Key (chat images are always URLs). */
function streamFingerprint(d: ChatDraft): string {
  return fingerprint(['stream', d.endpoint, d.model, d.prompt, d.n, d.user, d.params, d.images.map(sourceIdentity), d.includeUsage]);
}

export async function runChatStream(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: ChatDraft): Promise<FastifyReply> {
  await runIdempotent(deps, req, reply, {
    draft,
    fingerprint: streamFingerprint(draft),
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

async function streamAnswer(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: ChatDraft, record: boolean): Promise<StreamOutcome> {
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
  // x-accel-buffering: nginx would otherwise hold the chunks back until its buffer fills.
  reply.code(200).type(SSE_TYPE).header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
  void reply.send(sse.body);

  const chunks = new ChatChunks(prepared.model.id);
  sse.event(chunks.role());
  const shown = new Set<GeneratedImage>();
  let textShown = false;
  const onDelta = (d: ResultDelta) => {
    if (d.kind === 'text') {
      textShown = true;
      sse.event(chunks.text(d.text));
      return;
    }
    const p = d.image.payload;
    // An image the provider hosts elsewhere is downloaded by the pipeline; it goes out with the delivery.
    // (A chat request passes nothing through, so no image of it is `passed-through`.)
    if (p.kind === 'remote' || p.kind === 'passed-through') return;
    shown.add(d.image);
    sse.event(chunks.image(dataUrlOf(p.mime, p.kind === 'b64' ? p.b64 : p.bytes.toString('base64'))));
  };

  try {
    const execution = await execute(deps.pipeline, prepared, { signal, onDelta });
    // Sent with what it will charge; the hold closes once the last event is delivered (or kept for replays).
    const delivery = (trace.delivery = delivered(execution, execution.settlement.amount));
    trace.settlement = execution.settlement;
    trace.upstreamRequestId = delivery.result.upstreamRequestId;
    // Whatever did not stream (an upstream that answers whole, a hosted image) goes out now, in reply order.
    const text = delivery.result.text?.trim();
    if (!textShown && text) sse.event(chunks.text(text));
    delivery.result.images.forEach((img, i) => {
      const out = delivery.images[i]!;
      if (!shown.has(img)) sse.event(chunks.image(dataUrlOf(out.mime, out.b64!)));
    });
    const billing = delivery.billingTransactionId
      ? { billing_transaction_id: delivery.billingTransactionId, amount: delivery.charged, currency: delivery.currency, unit: 'micro' as const }
      : undefined;
    sse.event(chunks.finish(draft.includeUsage ? chatUsage(delivery.result.usage) : undefined, { request_id: req.id, ...(billing ? { billing } : {}) }));
    if (!record) trace.charged = chargeOnDelivery(reply, execution.settlement);
    sse.end();
    return { transcript: sse.text() };
  } catch (e) {
    // Delivered in part at most (an error event follows): nothing is charged.
    await refundUndelivered(trace);
    const err = toGatewayError(e);
    trace.upstreamRequestId = err.upstreamRequestId;
    reply.errorCode = err.code;
    reply.errorMessage = err.message;
    if (err.status >= 500) req.log.error({ err: err.cause ?? err, code: err.code }, 'request failed after the stream started');
    if (signal.aborted) sse.close();
    else {
      sse.event(err.toBody());
      sse.end();
    }
    return { transcript: sse.text(), error: err };
  }
}
