/**
 * `stream` and `partial_images` on the OpenAI image endpoints, read the same way from JSON and multipart
 * bodies (multipart values arrive already typed by openai-edits.ts). Whether the model can send that many
 * partial images is the catalog's call (catalog/stream-contract.ts); here only the request's own sense is checked.
 */
import { invalidRequest } from '../domain/errors.js';
import type { ImageStream } from '../domain/job.js';
import { MAX_PARTIAL_IMAGES } from '../domain/model-spec.js';

export function streamRequest(body: Readonly<Record<string, unknown>>): ImageStream | undefined {
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw invalidRequest('stream', 'stream must be true or false.');
  const partial = body.partial_images ?? undefined;
  if (partial !== undefined && (typeof partial !== 'number' || !Number.isInteger(partial) || partial < 0 || partial > MAX_PARTIAL_IMAGES)) {
    throw invalidRequest('partial_images', `partial_images must be an integer from 0 to ${MAX_PARTIAL_IMAGES}.`);
  }
  if (!stream) {
    // 0 asks for nothing a whole answer lacks; more would be silently lost without a stream.
    if (partial !== undefined && partial > 0) {
      throw invalidRequest('partial_images', 'partial_images applies to streamed requests: send it with stream: true, or remove it.');
    }
    return undefined;
  }
  // A stream is this connection's answer: a task would answer elsewhere, later.
  if (body.async === true) throw invalidRequest('stream', 'stream and async exclude each other: a streamed answer comes on this connection. Remove one.');
  if (body.callback_url !== undefined && body.callback_url !== null) {
    throw invalidRequest('stream', 'stream and callback_url exclude each other: a streamed answer comes on this connection. Remove one.');
  }
  return { partialImages: partial ?? 0 };
}
