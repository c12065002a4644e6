/**
 * Upstream HTTP for streamed answers (server-sent events): the same pool, deadline and abort handling as
 * callUpstream (http.ts), but the body is handed over as it arrives instead of being buffered whole.
 * Transport failures, before or while reading, become the same GatewayErrors callUpstream raises.
 */
import { request } from 'undici';
import { CallSignal } from './call-signal.js';
import { readChunks } from './read-chunks.js';
import { makeResponse, timeoutError, transportError, type UpstreamRequest, type UpstreamResponse, upstreamDispatcher } from './http.js';
import type { CallContext } from './types.js';

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
  const fail = (e: unknown) => transportError(who, e, call);
  let res: Awaited<ReturnType<typeof request>>;
  try {
    // bodyTimeout bounds the silence between two chunks: an image model may think for a long while, so only
    // the request's own deadline limits it.
    res = await request(req.url, { method: req.method, headers: req.headers, body: req.body as string | Buffer | undefined, signal: call.signal, dispatcher: upstreamDispatcher(), headersTimeout: remaining, bodyTimeout: remaining });
  } catch (e) {
    call.done();
    throw fail(e);
  }
  // The call lasts as long as its body: read to the end, failed, or let go.
  res.body.once('close', () => call.done());
  const header = (name: string) => {
    const v = res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  async function* body(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of res.body) yield chunk as Buffer;
    } catch (e) {
      throw fail(e);
    }
  }
  return {
    status: res.statusCode,
    headers: res.headers,
    header,
    contentLength: res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined,
    body: body(),
    eachChunk: (onChunk) => readChunks(res.body, onChunk, fail),
    close: () => res.body.destroy(),
    async whole() {
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > MAX_ERROR_BODY) break;
          chunks.push(chunk as Buffer);
        }
      } catch (e) {
        throw fail(e);
      }
      // No destroy() here: leaving the loop early already destroys the body, and destroying one that has
      // just ended (before its 'end' event) aborts the finished request: an Error and its stack per call.
      return makeResponse(who, res.statusCode, res.headers, Buffer.concat(chunks));
    },
  };
}
