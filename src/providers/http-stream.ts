/**
 * Upstream HTTP for streamed answers (server-sent events): the same pool, deadline and abort handling as
 * callUpstream (http.ts), but the body is handed over as it arrives instead of being buffered whole.
 * Transport failures, before or while reading, become the same GatewayErrors callUpstream raises.
 */
import { CallSignal } from './call-signal.js';
import { chunksOf, startExchange } from './upstream-exchange.js';
import { makeResponse, timeoutError, transportError, type UpstreamRequest, type UpstreamResponse, upstreamDispatcher } from './http.js';
import type { CallContext } from '../domain/adapter.js';

/** An error body is small; a larger one is cut here rather than held in memory. */
const MAX_ERROR_BODY = 1024 * 1024;

export interface UpstreamStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  header(name: string): string | undefined;
  /** The declared Content-Length, when there is one. */
  contentLength: number | undefined;
  /** The body chunks as they arrive; reading fails with a mapped GatewayError. */
  body: AsyncIterable<Buffer>;
  /**
   * Reads the body to its end, handing each chunk to `onChunk` as it arrives. A promise `onChunk` returns
   * holds the reading until it settles (backpressure); an error it throws or rejects with ends the call and
   * is what this rejects with. Cheaper per chunk than iterating `body`: no promise per chunk unless waiting.
   */
  eachChunk(onChunk: (chunk: Buffer) => Promise<unknown> | undefined): Promise<void>;
  /** The whole body (cut at 1 MB): a non-200 answer for the adapter's error mapping, or a small one. */
  whole(): Promise<UpstreamResponse>;
  /** Stop reading and let the connection go. */
  close(): void;
}

export async function openUpstreamStream(who: string, req: UpstreamRequest, ctx: Pick<CallContext, 'signal' | 'deadline'>): Promise<UpstreamStream> {
  const remaining = ctx.deadline - Date.now();
  if (remaining <= 0) throw timeoutError(who);
  const call = new CallSignal(ctx.signal, remaining);
  const exchange = startExchange(upstreamDispatcher(), { ...req, body: req.body as string | Buffer | undefined }, call, remaining, (e) =>
    transportError(who, e, call),
  );
  await exchange.head;
  const headers = exchange.headers;
  const header = (name: string) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    status: exchange.status,
    headers,
    header,
    contentLength: headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined,
    get body() {
      return { [Symbol.asyncIterator]: () => chunksOf(exchange) };
    },
    eachChunk: (onChunk) => exchange.read(onChunk),
    close: () => exchange.close(),
    async whole() {
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        await exchange.read((chunk) => {
          size += chunk.length;
          if (size > MAX_ERROR_BODY) throw CUT;
          chunks.push(chunk);
          return undefined;
        });
      } catch (e) {
        if (e !== CUT) throw e;
      }
      return makeResponse(who, exchange.status, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    },
  };
}

/** Thrown by whole()'s reader at the size limit: the body is cut there, which is not a failure. */
const CUT = Symbol('cut');
