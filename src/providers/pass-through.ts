/**
 * The provider side of passing an image through (CallContext.passThrough): a 200 JSON body is read as it
 * arrives, the base64 string at `path` goes to the sink piece by piece, and the rest of the body comes back
 * to be parsed as usual, that string standing in it as a `SentAhead`. Adapters whose upstream answers in
 * the OpenAI images shape (`data[0].b64_json`) share it.
 */
import { SentAhead } from '../core/base64.js';
import { GatewayError } from '../core/errors.js';
import { type JsonPath, StringTap, TAPPED } from '../core/json-tap.js';
import type { UpstreamStream } from './http-stream.js';
import type { ImageTextSink } from './types.js';

/** An image string shorter than this is not worth streaming (and is most likely not an image). */
const START_AFTER_BYTES = 4096;
const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface TappedBody {
  /** The body to parse; the passed-through string reads as `TAPPED` in it. */
  rest: Buffer;
  /** The passed-through image, when one went out. */
  sentAhead?: SentAhead;
}

export async function readPassingThrough(who: string, up: UpstreamStream, path: JsonPath, sink: ImageTextSink): Promise<TappedBody> {
  const tap = new StringTap(path, { startAfter: START_AFTER_BYTES });
  let size = 0;
  for await (const chunk of up.body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      up.close();
      throw new GatewayError('upstream_error', `${who} returned a body larger than ${MAX_BODY_BYTES} bytes.`, { retryable: false });
    }
    for (const piece of tap.push(chunk)) await sink.write(piece);
  }
  const rest = tap.end();
  return { rest, sentAhead: tap.tapping ? new SentAhead(tap.tappedBytes) : undefined };
}

/** Puts the passed-through image back where it stood in the parsed body (the value `TAPPED` at `path`). */
export function restoreSentAhead(body: unknown, path: JsonPath, sentAhead: SentAhead | undefined): void {
  if (!sentAhead) return;
  let node: unknown = body;
  for (const step of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  const last = path[path.length - 1]!;
  if (node !== null && typeof node === 'object' && (node as Record<string | number, unknown>)[last] === TAPPED) {
    (node as Record<string | number, unknown>)[last] = sentAhead;
  }
}
