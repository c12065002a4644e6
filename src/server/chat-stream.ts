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
import type { GeneratedImage, ResultDelta } from '../domain/job.js';
import { delivered, execute } from '../pipeline/pipeline.js';
import { chargeOnDelivery } from './charge-on-delivery.js';
import { ChatChunks } from '../dialects/chat-chunks.js';
import { type ChatDraft, chatUsage, dataUrlOf } from '../dialects/chat-completions.js';
import { endInFailure, openEventStream, runKeyedStream, type StreamOutcome } from './event-stream.js';
import { fingerprint } from './idempotency/store.js';
import type { ImageRequestDeps } from './image-request.js';

/** What makes two streamed requests "the same request" for Idempotency-Key (chat images are always URLs). */
function streamFingerprint(d: ChatDraft): string {
  return fingerprint(['stream', d.endpoint, d.model, d.prompt, d.n, d.user, d.params, d.images.map(sourceIdentity), d.includeUsage]);
}

export function runChatStream(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: ChatDraft): Promise<FastifyReply> {
  return runKeyedStream(
    deps,
    req,
    reply,
    draft,
    () => streamFingerprint(draft),
    (record) => streamAnswer(deps, req, reply, draft, record),
  );
}

async function streamAnswer(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: ChatDraft, record: boolean): Promise<StreamOutcome> {
  const open = await openEventStream(deps, req, reply, draft, record);
  const { trace, prepared, sse, signal } = open;

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
    return endInFailure(req, reply, open, e, (err) => {
      sse.event(err.toBody());
      sse.end();
    });
  }
}
