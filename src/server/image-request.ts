/**
 * Runs one image request for any image endpoint and any dialect: draft in, pipeline, dialect-rendered reply
 * out, one request-log row. Aborts the upstream work (and refunds) if the client goes away first.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DraftRequest, sourceIdentity } from '../domain/draft.js';
import { BodyLease, SplicedBody } from '../bytes/index.js';
import { type GatewayError, toGatewayError } from '../domain/errors.js';
import { type Delivery, delivered, execute, prepare, type PipelineDeps, type PreparedJob } from '../pipeline/pipeline.js';
import type { Settlement } from '../billing/settlement.js';
import { chargeOnDelivery } from './charge-on-delivery.js';
import { clientGone } from './client-gone.js';
import { TimeoutHandover } from './handover.js';
import { PassThroughRender, PassThroughReply } from './pass-through-reply.js';
import { acceptedTask } from './task-object.js';
import { REPLAYED, runIdempotent } from './idempotency/run.js';
import { fingerprint, type IdempotencyStore } from './idempotency/store.js';
import type { TaskService } from '../tasks/service.js';
import type { TxWork } from '../store/transact.js';

export interface ImageRequestDeps {
  pipeline: PipelineDeps;
  tasks: TaskService;
  idempotency: IdempotencyStore;
}

/** What makes two create requests "the same request" for Idempotency-Key: the draft, with image bytes hashed. */
export function draftFingerprint(d: DraftRequest): string {
  return fingerprint([
    d.endpoint,
    d.model,
    d.operation,
    d.prompt,
    d.n,
    d.responseFormat,
    d.user,
    d.params,
    d.images.map(sourceIdentity),
    d.mask ? sourceIdentity(d.mask) : null,
    d.async,
    d.callbackUrl,
  ]);
}

const REPLAYED_HEADERS = ['x-billing-transaction-id', 'location', 'content-type'];

/** Async when the client asks (`async: true`, `Prefer: respond-async`) or the model's catalog mode is async. */
function wantsAsync(deps: ImageRequestDeps, req: FastifyRequest, draft: DraftRequest): boolean {
  // A callback_url only makes sense for a task: it asks for one.
  if (draft.async || draft.callbackUrl) return true;
  const prefer = req.headers.prefer;
  if (typeof prefer === 'string' && /(^|[,;\s])respond-async([,;\s]|$)/i.test(prefer)) return true;
  return draft.model !== undefined && deps.pipeline.catalog.resolve(draft.model)?.spec.mode === 'async';
}

/** What the request log needs to know about an image request; filled in as the request goes. */
export interface ImageRequestTrace {
  draft: DraftRequest;
  prepared?: PreparedJob;
  delivery?: Delivery;
  upstreamRequestId?: string;
  /** A failure after the reply had started (its connection was cut): what the request log records. */
  cutShort?: GatewayError;
  /** A success's hold, open until the reply is delivered (charge-on-delivery.ts) or stored for replays. */
  settlement?: Settlement;
  /** What the request was charged, once its hold is closed. */
  charged?: Promise<number>;
}

declare module 'fastify' {
  interface FastifyRequest {
    imageTrace?: ImageRequestTrace;
  }
}

/**
 * Renders a delivery in the dialect's wire shape: a function, or a PassThroughRender for a dialect whose
 * b64_json replies are passed through as the image arrives (server/pass-through-reply.ts).
 */
export type Render = ((d: Delivery, requestId: string) => unknown) | PassThroughRender;

function renderReply(render: Render, d: Delivery, requestId: string): unknown {
  return render instanceof PassThroughRender ? render.render(d, requestId) : render(d, requestId);
}

export async function runImageRequest(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: DraftRequest, render: Render): Promise<unknown> {
  const out = await runIdempotent(deps, req, reply, {
    draft,
    fingerprint: () => draftFingerprint(draft),
    // Kept whole for replays, never passed through; delivered on this connection (passed through where it
    // can be) when no key guards it. A task it queues is recorded on the key's claim with it.
    run: (kept) => runOnce(deps, req, reply, draft, render, kept === undefined, kept?.recordTask),
    keep: (answer) => {
      const body = typeof answer === 'string' || answer instanceof SplicedBody ? answer.toString() : JSON.stringify(answer);
      const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (reply.getHeader(h) ? [[h, String(reply.getHeader(h))]] : [])));
      return { status: reply.statusCode, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
    },
    // Failures are thrown: an answer is a success.
    retry: () => false,
  });
  return out === REPLAYED ? reply : toWire(out);
}

/**
 * A sink for passing the first image through as it arrives, when this reply can take one: a b64_json
 * reply of a dialect that writes the image text first, and not one kept whole for an Idempotency-Key.
 */
function passThroughFor(render: Render, prepared: PreparedJob, reply: FastifyReply, signal: AbortSignal, allowed: boolean): PassThroughReply | undefined {
  if (!allowed || !(render instanceof PassThroughRender) || prepared.job.responseFormat !== 'b64_json') return undefined;
  return new PassThroughReply(reply, render, signal);
}

/** A spliced body goes out as one buffer, written around the image bytes where they lie (json-bytes.ts). */
function toWire(out: unknown): unknown {
  return out instanceof SplicedBody ? out.toBuffer() : out;
}

async function runOnce(
  deps: ImageRequestDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  draft: DraftRequest,
  render: Render,
  /** Delivered on this connection (passed through where it can be); false: kept whole for replays. */
  onConnection: boolean,
  recordTask?: (taskId: string) => TxWork<void>,
): Promise<unknown> {
  const trace: ImageRequestTrace = { draft };
  req.imageTrace = trace;
  const signal = clientGone(reply);
  if (wantsAsync(deps, req, draft) && draft.endpoint !== '/v1/chat/completions') {
    return acceptedTask(reply, await deps.tasks.submit(req.principal!, draft, req.id, signal, recordTask), deps.pipeline.config.publicUrl);
  }
  const handover = new TimeoutHandover(deps.tasks, draft.endpoint, deps.pipeline.config.publicUrl);
  const bodies = new BodyLease();
  let passThrough: PassThroughReply | undefined;
  try {
    const prepared = (trace.prepared = await prepare(deps.pipeline, req.principal!, draft, req.id, signal));
    reply.headers(prepared.rateLimitHeaders);
    if (prepared.dropped.length) reply.header('x-imagegate-dropped-fields', prepared.dropped.join(','));
    if (prepared.hold) reply.header('x-billing-transaction-id', prepared.hold.id);
    passThrough = passThroughFor(render, prepared, reply, signal, onConnection);
    const execution = await execute(deps.pipeline, prepared, { signal, bodies, passThrough, ...handover.options });
    // Rendered with what it will charge; the hold closes once the reply is delivered (or kept for replays).
    const delivery = (trace.delivery = delivered(execution, execution.settlement.amount));
    trace.settlement = execution.settlement;
    if (onConnection) trace.charged = chargeOnDelivery(reply, execution.settlement);
    trace.upstreamRequestId = delivery.result.upstreamRequestId;
    if (passThrough?.started) {
      passThrough.finish(delivery, req.id);
      return reply;
    }
    reply.type('application/json');
    const rendered = renderReply(render, delivery, req.id);
    // The reply may be a view of a borrowed buffer (json-bytes.ts splices it in place): the buffers go back
    // only once it is written. A reply that never finishes leaves them to the collector.
    reply.raw.once('finish', () => bodies.giveBack());
    return rendered;
  } catch (e) {
    // A timeout whose upstream task was handed over to an imagegate task names that task.
    const err = handover.explain(toGatewayError(e));
    trace.upstreamRequestId = err.upstreamRequestId;
    if (passThrough?.started) {
      // Part of the reply is out: it cannot turn into an error reply. execute() has refunded the hold.
      if (!signal.aborted) {
        trace.cutShort = err;
        req.log.error({ err: err.cause ?? err, code: err.code }, 'image reply cut short after it started');
      }
      passThrough.cut();
      return reply;
    }
    if (trace.prepared?.hold) reply.header('x-billing-transaction-id', trace.prepared.hold.id);
    throw err;
  }
}
