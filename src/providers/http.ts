/**
 * Upstream HTTP shared by every adapter: one undici Agent (a keep-alive pool per origin), deadline and
 * abort handling, and the mapping of transport failures onto retryable GatewayErrors.
 */
import { Agent, type Dispatcher, errors as undiciErrors } from 'undici';
import { GatewayError } from '../domain/errors.js';
import { type BufferLender, withSpliceRoom } from '../bytes/index.js';
import { CallSignal } from './call-signal.js';
import { redact } from './redact.js';
import { startExchange, type StreamedExchange } from './upstream-exchange.js';
import type { CallContext } from '../domain/adapter.js';

/**
 * No cap on connections per origin: the calls in flight are capped by each provider's `max_concurrency`
 * (pipeline/provider-slots.ts), which the operator sets, and the pool grows to match. A cap here would be a
 * second, hidden one, queueing calls silently while their deadlines ran.
 */
const newPool = () => new Agent({ keepAliveTimeout: 30_000, connections: null, pipelining: 1 });

let agent = newPool();

export function upstreamDispatcher(): Dispatcher {
  return agent;
}

/** For tests that need fresh connections (e.g. after a fake upstream restarts). */
export async function resetUpstreamPool(): Promise<void> {
  const old = agent;
  agent = newPool();
  await old.close().catch(() => undefined);
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Parsed lazily by the caller via json(); kept as bytes so large bodies are not copied. */
  json<T = unknown>(): T;
  text(): string;
  header(name: string): string | undefined;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Uint8Array | FormData;
  /** Per-call cap; the overall ctx deadline still applies. */
  timeoutMs?: number;
  /** Largest body accepted from the upstream. */
  maxBytes?: number;
}

/** The largest upstream body read, unless a call says otherwise (UpstreamRequest.maxBytes). */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export function bodyTooLarge(who: string, max: number): GatewayError {
  return new GatewayError('upstream_error', `${who} returned a body larger than ${max} bytes.`, { retryable: false });
}

/** Human name of the upstream for error messages, e.g. "OpenAI". Never includes credentials. */
export async function callUpstream(who: string, req: UpstreamRequest, ctx: Pick<CallContext, 'signal' | 'deadline' | 'bodies'>): Promise<UpstreamResponse> {
  const remaining = ctx.deadline - Date.now();
  if (remaining <= 0) throw timeoutError(who);
  const timeout = Math.max(1, Math.min(remaining, req.timeoutMs ?? remaining));
  let body: string | Buffer | Uint8Array | undefined;
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.body instanceof FormData) {
    // undici serializes FormData itself through the fetch Request machinery.
    const encoded = new Response(req.body);
    headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
    body = Buffer.from(await encoded.arrayBuffer());
  } else {
    body = req.body;
  }
  const call = new CallSignal(ctx.signal, timeout);
  const fail = (e: unknown) => transportError(who, e, call);
  try {
    const exchange = startExchange(agent, { method: req.method, url: req.url, headers, body }, call, timeout, fail);
    await exchange.head;
    const max = req.maxBytes ?? DEFAULT_MAX_BYTES;
    const declared = Number(exchange.headers['content-length'] ?? 0);
    if (declared > max) {
      exchange.close();
      throw bodyTooLarge(who, max);
    }
    const buf = await readBody(who, exchange, declared, max, ctx.bodies);
    return makeResponse(who, exchange.status, exchange.headers, buf);
  } catch (e) {
    throw fail(e);
  } finally {
    call.done();
  }
}

/**
 * A failure of the transport (not an HTTP answer) as the GatewayError every caller shares: cancelled by the
 * client, out of time (retryable), or unreachable (retryable). Streamed calls (http-stream.ts) use it too.
 */
export function transportError(who: string, e: unknown, call: CallSignal): GatewayError {
  if (e instanceof GatewayError) return e;
  if (call.cancelled) {
    return new GatewayError('upstream_error', `The request to ${who} was cancelled.`, { cause: e, retryable: false });
  }
  if (call.timedOut || e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError) {
    return timeoutError(who, e);
  }
  return new GatewayError('upstream_error', `Could not reach ${who}: ${describeNetworkError(e)}.`, { retryable: true, cause: e });
}

/**
 * The whole body in one buffer. With a Content-Length it is read straight into a buffer of that size (one
 * copy, and the socket's chunks can go as soon as they are copied); otherwise chunks are joined at the end.
 */
async function readBody(who: string, body: StreamedExchange, declared: number, max: number, lease: BufferLender | undefined): Promise<Buffer> {
  if (declared > 0) {
    // Room around the body lets the reply be written around an image string in place (bytes/json-bytes.ts).
    const buf = withSpliceRoom(declared, lease);
    let size = 0;
    await body.read((chunk) => {
      if (size + chunk.length > declared) throw new GatewayError('upstream_error', `${who} sent more bytes than its Content-Length.`, { retryable: true });
      chunk.copy(buf, size);
      size += chunk.length;
      return undefined;
    });
    return size === declared ? buf : buf.subarray(0, size);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  await body.read((chunk) => {
    size += chunk.length;
    if (size > max) throw bodyTooLarge(who, max);
    chunks.push(chunk);
    return undefined;
  });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

export function timeoutError(who: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_error', `${who} did not answer within the model's time limit.`, {
    retryable: true,
    cause,
    details: { reason: 'timeout' },
  });
}

function describeNetworkError(e: unknown): string {
  const code = (e as { code?: string })?.code;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  return code ?? 'network error';
}

/** A buffered upstream answer; streamed calls (http-stream.ts) build theirs with it too. */
export function makeResponse(who: string, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer): UpstreamResponse {
  return {
    status,
    headers,
    body,
    text: () => body.toString('utf8'),
    json<T>() {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch (e) {
        throw new GatewayError('upstream_error', `${who} returned a malformed response body.`, { retryable: true, cause: e });
      }
    },
    header(name: string) {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
  };
}

/** Retry-After in seconds or as an HTTP date → milliseconds. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * The HTTP-status part of error mapping that every provider shares; moderation and provider-specific codes
 * are decided by the adapter before falling back to this.
 */
export function errorForStatus(who: string, res: UpstreamResponse, upstreamMessage: string | undefined): GatewayError {
  const upstreamRequestId = res.header('x-request-id') ?? res.header('x-tt-logid') ?? undefined;
  const detail = upstreamMessage ? `: ${redact(upstreamMessage)}` : '';
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.header('retry-after'));
    return new GatewayError('rate_limit_exceeded', `${who} is rate limiting this gateway; retry later${detail}`, {
      retryable: true,
      retryAfterMs,
      upstreamRequestId,
    });
  }
  if (res.status === 401 || res.status === 403) {
    // The operator's credentials are wrong: the client can do nothing about it and must not see the key.
    return new GatewayError(
      'upstream_error',
      `${who} rejected the gateway's credentials (HTTP ${res.status}); the operator must fix the provider configuration.`,
      {
        retryable: true,
        upstreamRequestId,
      },
    );
  }
  if (res.status === 408 || res.status >= 500) {
    return new GatewayError('upstream_error', `${who} failed with HTTP ${res.status}${detail}`, { retryable: true, upstreamRequestId });
  }
  return new GatewayError('upstream_error', `${who} rejected the request with HTTP ${res.status}${detail}`, {
    retryable: false,
    upstreamRequestId,
  });
}
