/**
 * What a dialect hands the pipeline: the client's request in canonical terms, before the model's contract,
 * the inputs and the money have been checked.
 */
import { createHash } from 'node:crypto';
import type { ImageParams, ImageStream, Operation, ResponseFormat } from './job.js';

/** An image the client supplied, not yet fetched or inspected. `field` names it in errors (`image[2]`). */
export type ImageSource =
  | { field: string; kind: 'bytes'; bytes: Buffer }
  /** http(s) or data: URL. */
  | { field: string; kind: 'url'; url: string }
  /** A file uploaded through the Files API, read from the caller's own account when the request is prepared. */
  | { field: string; kind: 'file'; fileId: string };

/** What identifies a source for "is this the same request" (Idempotency-Key): bytes by their hash. */
export function sourceIdentity(s: ImageSource): string {
  if (s.kind === 'bytes') return createHash('sha256').update(s.bytes).digest('hex');
  return s.kind === 'url' ? s.url : `file:${s.fileId}`;
}

export interface DraftRequest {
  /** The endpoint path, for logs and errors. */
  endpoint: string;
  model: string | undefined;
  operation: Operation;
  prompt?: string;
  n?: number;
  responseFormat?: ResponseFormat;
  user?: string;
  params: ImageParams;
  /**
   * Params that arrived as untyped form text (multipart): the contract reads each as the type its model's
   * field declares, since only the model says whether `left=64` is a number.
   */
  textParams?: readonly string[];
  images: ImageSource[];
  /** The public field the images came in (`image`, `image_urls`, …) for count errors. */
  imagesField: string;
  mask?: ImageSource;
  /** The client asked to run in the background (`async: true` or `Prefer: respond-async`). */
  async?: boolean;
  callbackUrl?: string;
  /** `stream: true`: answered as server-sent events, with the partial images asked for (checked against the model later). */
  imageStream?: ImageStream;
  /** The dialect can answer with text alone when the model returns no image (chat). */
  acceptTextOnly?: boolean;
  /** Sanitized request shape for the request log: no keys, no image data, prompt truncated. */
  shape: Record<string, unknown>;
}
