/**
 * An upstream answer in the OpenAI images shape (`data[0].b64_json`: OpenAI, Seedream), read for its
 * adapter. With a pass-through sink in the context (CallContext.passThrough), a 2xx body is read as it
 * arrives and the first image's base64 text goes to the sink piece by piece; the rest of the body is parsed
 * as usual, and that image comes back in the result as a `passed-through` payload. An error status or an
 * answer too small to be worth it is read whole, so the adapter handles every answer alike.
 */
import { Base64Bytes, base64Head, type JsonPath, LIFT_IMAGES_FROM_CHARS, parseLifting, StringTap, TAPPED } from '../bytes/index.js';
import { GatewayError } from '../domain/errors.js';
import { sniffImageType } from '../media/image-input.js';
import type { ImageResult } from '../domain/job.js';
import { bodyTooLarge, callUpstream, DEFAULT_MAX_BYTES, makeResponse, type UpstreamRequest, type UpstreamResponse } from './http.js';
import { openUpstreamStream, type UpstreamStream } from './http-stream.js';
import type { CallContext, PassThroughSink } from '../domain/adapter.js';

/** An image string shorter than this is not worth streaming (and is most likely not an image). */
const START_AFTER_BYTES = 4096;
/** Replies from this size up are passed through; smaller ones cost less read whole. */
const PASS_THROUGH_FROM_BYTES = 64 * 1024;
/** The first characters of a passed-through string are kept: enough to sniff the image type. */
const KEPT_HEAD_CHARS = 64;

/** What is left of the passed-through image: its first characters and its length. */
interface PassedThrough {
  head: Buffer;
  chars: number;
}

/** An upstream answer whose body is the rest after the passed-through image (`passedThrough`), or whole. */
export type ImagesAnswer = UpstreamResponse & { passedThrough?: PassedThrough };

/** Where the first image's base64 text stands in an answer in the OpenAI images shape. */
const FIRST_B64_IMAGE: JsonPath = ['data', 0, 'b64_json'];

/** One call for an answer in the OpenAI images shape: its first image passed through when the context has a sink. */
export function callForImages(who: string, req: UpstreamRequest, ctx: CallContext): Promise<ImagesAnswer> {
  return ctx.passThrough ? callPassingThrough(who, req, ctx, ctx.passThrough) : callUpstream(who, req, ctx);
}

/**
 * The answer's result: its JSON parsed with `b64_json` strings lifted out as bytes (never parsed or copied),
 * turned into a result by the adapter's `toResult`, the passed-through image marked as such. `malformed` is
 * the adapter's error for a body that is not JSON.
 */
export function resultOfImagesAnswer<T>(res: ImagesAnswer, malformed: (cause: unknown) => GatewayError, toResult: (body: T) => ImageResult): ImageResult {
  let body: T;
  try {
    body = parseLifting(res.body, 'b64_json', { minLength: LIFT_IMAGES_FROM_CHARS }) as T;
  } catch (e) {
    throw malformed(e);
  }
  if (!res.passedThrough) return toResult(body);
  // The adapter reads the image's first characters where its text stood (enough to tell its type), and
  // the payload it makes of them is the one that becomes `passed-through`.
  const stand = new Base64Bytes(res.passedThrough.head);
  if (!replaceTapped(body, stand)) return toResult(body);
  const result = toResult(body);
  return {
    ...result,
    images: result.images.map((img) =>
      img.payload.kind === 'b64' && img.payload.b64 === stand
        ? { ...img, payload: { kind: 'passed-through' as const, mime: sniffImageType(base64Head(stand)) ?? img.payload.mime, chars: res.passedThrough!.chars } }
        : img,
    ),
  };
}

async function callPassingThrough(who: string, req: UpstreamRequest, ctx: CallContext, sink: PassThroughSink): Promise<ImagesAnswer> {
  const up = await openUpstreamStream(who, req, ctx);
  sink.restart?.(up.contentLength);
  const small = up.contentLength !== undefined && up.contentLength < PASS_THROUGH_FROM_BYTES;
  if (up.status < 200 || up.status >= 300 || small) return up.whole();
  const { rest, passedThrough } = await readPassingThrough(who, up, sink);
  return Object.assign(makeResponse(who, up.status, up.headers, rest), { passedThrough });
}

/** The body read to its end, the first image handed to the sink; the rest comes back with it as `TAPPED`. */
async function readPassingThrough(who: string, up: UpstreamStream, sink: PassThroughSink): Promise<{ rest: Buffer; passedThrough?: PassedThrough }> {
  const tap = new StringTap(FIRST_B64_IMAGE, { startAfter: START_AFTER_BYTES });
  let size = 0;
  let head = Buffer.alloc(0);
  await up.eachChunk((chunk) => {
    size += chunk.length;
    if (size > DEFAULT_MAX_BYTES) throw bodyTooLarge(who, DEFAULT_MAX_BYTES);
    let wait: Promise<unknown> | undefined;
    for (const piece of tap.push(chunk)) {
      // Pieces can be short (even empty, when a chunk ends at the opening quote): the head is gathered across them.
      if (head.length < KEPT_HEAD_CHARS) head = Buffer.concat([head, piece.subarray(0, KEPT_HEAD_CHARS - head.length)]);
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
  return { rest, passedThrough: tap.tapping ? { head, chars: tap.tappedBytes } : undefined };
}

/** Puts `stand` where the passed-through image stood in the parsed body (the value `TAPPED`); false if absent. */
function replaceTapped(body: unknown, stand: Base64Bytes): boolean {
  let node: unknown = body;
  for (const step of FIRST_B64_IMAGE.slice(0, -1))
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  const last = FIRST_B64_IMAGE[FIRST_B64_IMAGE.length - 1]!;
  if (node === null || typeof node !== 'object' || (node as Record<string | number, unknown>)[last] !== TAPPED) return false;
  (node as Record<string | number, unknown>)[last] = stand;
  return true;
}
