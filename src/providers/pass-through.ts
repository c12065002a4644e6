/**
 * The provider side of passing an image through (CallContext.passThrough): a 2xx JSON body is read as it
 * arrives, the base64 string at `path` goes to the sink piece by piece, and the rest of the body comes back
 * to be parsed as usual, that string standing in it as a `SentAhead`. Adapters whose upstream answers in
 * the OpenAI images shape (`data[0].b64_json`: OpenAI, Seedream) share it.
 */
import { SentAhead } from '../core/base64.js';
import { GatewayError } from '../core/errors.js';
import { type JsonPath, StringTap, TAPPED } from '../core/json-tap.js';
import { LIFT_IMAGES_FROM_CHARS, parseLifting } from '../core/json-bytes.js';
import { bodyTooLarge, callUpstream, DEFAULT_MAX_BYTES, makeResponse, type UpstreamRequest, type UpstreamResponse } from './http.js';
import { openUpstreamStream, type UpstreamStream } from './http-stream.js';
import type { CallContext, ImageTextSink } from './types.js';

/** An image string shorter than this is not worth streaming (and is most likely not an image). */
const START_AFTER_BYTES = 4096;
/** Replies from this size up are passed through; smaller ones cost less read whole. */
const PASS_THROUGH_FROM_BYTES = 64 * 1024;
/** The first characters of a passed-through string are kept: enough to sniff the image type. */
const KEPT_HEAD_CHARS = 64;

/** An upstream answer whose body is the rest after the passed-through string (`sentAhead`), or whole. */
export type PassingResponse = UpstreamResponse & { sentAhead?: SentAhead };

/** Where the first image's base64 text stands in an answer in the OpenAI images shape (OpenAI, Seedream). */
const FIRST_B64_IMAGE: JsonPath = ['data', 0, 'b64_json'];

/** One call for an answer in the OpenAI images shape: its first image passed through when the context has a sink. */
export function callForImages(who: string, req: UpstreamRequest, ctx: CallContext): Promise<PassingResponse> {
  return ctx.passThrough ? callPassingThrough(who, req, ctx, ctx.passThrough, FIRST_B64_IMAGE) : callUpstream(who, req, ctx);
}

/**
 * Such an answer's JSON: `b64_json` strings lifted out as bytes (never parsed or copied), and a
 * passed-through image back in its place. `malformed` is the adapter's error for a body that is not JSON.
 */
export function parseImagesReply<T>(res: PassingResponse, malformed: (cause: unknown) => GatewayError): T {
  let body: T;
  try {
    body = parseLifting(res.body, 'b64_json', { minLength: LIFT_IMAGES_FROM_CHARS }) as T;
  } catch (e) {
    throw malformed(e);
  }
  restoreSentAhead(body, FIRST_B64_IMAGE, res.sentAhead);
  return body;
}

/**
 * One upstream call whose 2xx answer has its string at `path` passed through as it arrives. An error status
 * or an answer too small to be worth it is read whole, so the adapter handles every answer alike: parse
 * `body`, then put `sentAhead` back with restoreSentAhead.
 */
async function callPassingThrough(who: string, req: UpstreamRequest, ctx: CallContext, sink: ImageTextSink, path: JsonPath): Promise<PassingResponse> {
  const up = await openUpstreamStream(who, req, ctx);
  sink.restart?.(up.contentLength);
  const small = up.contentLength !== undefined && up.contentLength < PASS_THROUGH_FROM_BYTES;
  if (up.status < 200 || up.status >= 300 || small) return up.whole();
  const { rest, sentAhead } = await readPassingThrough(who, up, path, sink);
  return Object.assign(makeResponse(who, up.status, up.headers, rest), { sentAhead });
}

/** The body read to its end, the string at `path` handed to the sink; the rest comes back with it as `TAPPED`. */
async function readPassingThrough(who: string, up: UpstreamStream, path: JsonPath, sink: ImageTextSink): Promise<{ rest: Buffer; sentAhead?: SentAhead }> {
  const tap = new StringTap(path, { startAfter: START_AFTER_BYTES });
  let size = 0;
  let head: Buffer | undefined;
  await up.eachChunk((chunk) => {
    size += chunk.length;
    if (size > DEFAULT_MAX_BYTES) throw bodyTooLarge(who, DEFAULT_MAX_BYTES);
    let wait: Promise<unknown> | undefined;
    for (const piece of tap.push(chunk)) {
      head ??= Buffer.from(piece.subarray(0, KEPT_HEAD_CHARS));
      // Every piece is queued at once; a full queue holds the next chunk, not this chunk's other pieces.
      wait = sink.write(piece) ?? wait;
    }
    return wait;
  });
  let rest: Buffer;
  try {
    rest = tap.end();
  } catch (e) {
    throw new GatewayError('upstream_error', `${who} ended its answer inside the image.`, { retryable: true, cause: e });
  }
  return { rest, sentAhead: head ? new SentAhead(head, tap.tappedBytes) : undefined };
}

/** Puts the passed-through image back where it stood in the parsed body (the value `TAPPED` at `path`). */
function restoreSentAhead(body: unknown, path: JsonPath, sentAhead: SentAhead | undefined): void {
  if (!sentAhead) return;
  let node: unknown = body;
  for (const step of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  const last = path[path.length - 1]!;
  if (node !== null && typeof node === 'object' && (node as Record<string | number, unknown>)[last] === TAPPED) {
    (node as Record<string | number, unknown>)[last] = sentAhead;
  }
}
