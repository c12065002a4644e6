/**
 * Runs one image request for any image endpoint and any dialect: draft in, pipeline, dialect-rendered reply
 * out, one request-log row. Aborts the upstream work (and refunds) if the client goes away first.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DraftRequest } from '../core/draft.js';
import { toGatewayError } from '../core/errors.js';
import { type Delivery, execute, prepare, type PipelineDeps, type PreparedJob } from '../core/pipeline.js';
import type { RequestLogEntry } from '../store/request-log.js';
import type { TaskService } from '../tasks/service.js';

export interface ImageRequestDeps {
  pipeline: PipelineDeps;
  tasks: TaskService;
}

/** Async when the client asks (`async: true`, `Prefer: respond-async`) or the model's catalog mode is async. */
function wantsAsync(deps: ImageRequestDeps, req: FastifyRequest, draft: DraftRequest): boolean {
  if (draft.async) return true;
  const prefer = req.headers.prefer;
  if (typeof prefer === 'string' && /(^|[,;\s])respond-async([,;\s]|$)/i.test(prefer)) return true;
  return draft.model !== undefined && deps.pipeline.catalog.resolve(draft.model)?.spec.mode === 'async';
}

/** Abort signal that fires when the client disconnects before the response is written. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort(new Error('client disconnected'));
  });
  return ac.signal;
}

/** What the request log needs to know about an image request; filled in as the request goes. */
export interface ImageRequestTrace {
  draft: DraftRequest;
  prepared?: PreparedJob;
  delivery?: Delivery;
  upstreamRequestId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    imageTrace?: ImageRequestTrace;
  }
}

export async function runImageRequest(
  deps: ImageRequestDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  draft: DraftRequest,
  render: (d: Delivery, requestId: string) => unknown,
): Promise<unknown> {
  const trace: ImageRequestTrace = { draft };
  req.imageTrace = trace;
  const signal = clientGone(reply);
  if (wantsAsync(deps, req, draft) && draft.endpoint !== '/v1/chat/completions') {
    const row = await deps.tasks.submit(req.principal!, draft, req.id, signal);
    if (row.hold_id) reply.header('x-billing-transaction-id', row.hold_id);
    reply.code(202).header('location', `/v1/tasks/${row.id}`);
    return deps.tasks.render(row, deps.pipeline.config.publicUrl);
  }
  try {
    trace.prepared = await prepare(deps.pipeline, req.principal!, draft, req.id, signal);
    reply.headers(trace.prepared.rateLimitHeaders);
    trace.delivery = await execute(deps.pipeline, trace.prepared, { signal });
    trace.upstreamRequestId = trace.delivery.result.upstreamRequestId;
    if (trace.prepared.dropped.length) reply.header('x-imagegate-dropped-fields', trace.prepared.dropped.join(','));
    if (trace.delivery.billingTransactionId) reply.header('x-billing-transaction-id', trace.delivery.billingTransactionId);
    reply.type('application/json');
    return render(trace.delivery, req.id);
  } catch (e) {
    const err = toGatewayError(e);
    trace.upstreamRequestId = err.upstreamRequestId;
    if (trace.prepared?.hold) reply.header('x-billing-transaction-id', trace.prepared.hold.id);
    throw err;
  }
}

/** The request-log row of a finished request (image endpoints add model, route, images and money). */
export function requestLogRow(req: FastifyRequest, reply: FastifyReply, latencyMs: number): RequestLogEntry {
  const t = req.imageTrace;
  return {
    id: req.id,
    account_id: req.principal?.accountId ?? null,
    key_id: req.principal?.key.id ?? null,
    model: t?.prepared?.model.id ?? t?.draft.model ?? null,
    endpoint: t?.draft.endpoint ?? req.routeOptions.url ?? req.url.split('?')[0]!,
    operation: t?.draft.operation ?? null,
    request_shape: t ? JSON.stringify(t.draft.shape) : null,
    status: reply.statusCode,
    error_code: reply.errorCode ?? null,
    upstream_request_id: t?.upstreamRequestId ?? null,
    route: t?.delivery?.route.id ?? null,
    images: t?.delivery?.images.length ?? 0,
    amount: t?.delivery?.charged ?? 0,
    billing_transaction_id: t?.prepared?.hold?.id ?? null,
    latency_ms: Math.round(latencyMs),
    created_at: Date.now() - Math.round(latencyMs),
  };
}
