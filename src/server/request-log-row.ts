/** The request-log row of a finished request: who, what, how it ended, and for image requests the money. */
import type { FastifyRequest } from 'fastify';
import { excerpt } from '../domain/excerpt.js';
import type { TokenUsage } from '../domain/job.js';
import { sanitizeShape } from '../domain/sanitize.js';
import type { RequestLogEntry } from '../store/request-log.js';
import { audienceOf, trafficOf } from './audience.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the request arrived (ms since the epoch), for its request-log row. */
    receivedAt?: number;
    /** What a client request that is not an image request sent, set by its handler (never file bytes). */
    loggedShape?: Record<string, unknown>;
  }
}

/** How a request ended, as the log records it. */
export interface RequestOutcome {
  status: number;
  errorCode?: string;
  /** The message the client got with the error. */
  errorMessage?: string;
}

const MESSAGE_KEEP = 500;

export function requestLogRow(req: FastifyRequest, outcome: RequestOutcome, latencyMs: number, charged: number): RequestLogEntry {
  const t = req.imageTrace;
  // A client request refused before it became a draft (a bad field) still shows what was sent, sanitized the
  // same way. Admin and console bodies are not requests for images: they hold passwords, keys and notes.
  const refusedBody = t || audienceOf(req) !== 'client' ? undefined : plainObject(req.body);
  return {
    id: req.id,
    traffic: trafficOf(req),
    account_id: req.principal?.accountId ?? null,
    key_id: req.principal?.key.id ?? null,
    model: t?.prepared?.model.id ?? t?.draft.model ?? (typeof refusedBody?.model === 'string' ? excerpt(refusedBody.model, 200) : null),
    endpoint: t?.draft.endpoint ?? req.routeOptions.url ?? req.url.split('?')[0]!,
    operation: t?.draft.operation ?? null,
    request_shape: t
      ? JSON.stringify(t.draft.shape)
      : req.loggedShape
        ? JSON.stringify(req.loggedShape)
        : refusedBody
          ? JSON.stringify(sanitizeShape(refusedBody))
          : null,
    status: outcome.status,
    error_code: outcome.errorCode ?? null,
    error_message: outcome.errorMessage ? outcome.errorMessage.slice(0, MESSAGE_KEEP) : null,
    upstream_request_id: t?.upstreamRequestId ?? null,
    route: t?.delivery?.route.id ?? null,
    // Images a client did not receive (it hung up, the reply was cut) were not delivered.
    images: outcome.status >= 200 && outcome.status < 300 ? (t?.delivery?.images.length ?? 0) : 0,
    amount: charged,
    billing_transaction_id: t?.prepared?.hold?.id ?? null,
    ...tokenColumns(t?.delivery?.result.usage),
    latency_ms: Math.round(latencyMs),
    // The arrival time itself: now minus a rounded latency could order two quick requests the wrong way round.
    created_at: req.receivedAt ?? Date.now() - Math.round(latencyMs),
  };
}

/** The tokens the upstream reported, by class: the upstream took them whether or not the client got the images. */
function tokenColumns(u: TokenUsage | undefined) {
  const count = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : null);
  return {
    input_text_tokens: count(u?.inputTextTokens),
    input_image_tokens: count(u?.inputImageTokens),
    output_image_tokens: count(u?.outputImageTokens),
    output_text_tokens: count(u?.outputTextTokens),
  };
}

/** A parsed JSON object body (a multipart body is a stream, read by its handler). */
function plainObject(body: unknown): Record<string, unknown> | undefined {
  return body !== null && typeof body === 'object' && Object.getPrototypeOf(body) === Object.prototype ? (body as Record<string, unknown>) : undefined;
}
