/**
 * The canonical job and result. Dialects produce ImageJob and consume ImageResult; providers consume
 * ImageJob and produce ImageResult. No vendor field name appears here.
 */

export type Operation = 'text-to-image' | 'image-to-image' | 'edit' | 'variation';
export const OPERATIONS: readonly Operation[] = ['text-to-image', 'image-to-image', 'edit', 'variation'];

export type ResponseFormat = 'url' | 'b64_json';
export type OutputFormat = 'png' | 'jpeg' | 'webp';
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif' | 'image/bmp';

export const MIME_OF_FORMAT: Record<OutputFormat, ImageMime> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

/** File extension of each image type: hosted blobs are named by it, and it gives back the Content-Type. */
export const EXTENSION_OF_MIME: Record<ImageMime, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
};
export const MIME_OF_EXTENSION: Record<string, ImageMime> = Object.fromEntries(
  Object.entries(EXTENSION_OF_MIME).map(([mime, ext]) => [ext, mime as ImageMime]),
);

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** An input image (edit source, mask, reference), already fetched, sniffed and measured. */
export interface InputImage {
  /** The public field it came from, e.g. `image`, `image[2]`, `image_urls[1]`, `mask`: used in errors. */
  field: string;
  bytes: Buffer;
  mime: ImageMime;
  width: number;
  height: number;
  hasAlpha: boolean;
  /** The public http(s) URL the client gave, when it gave one (URL-taking upstreams may pass it on). */
  sourceUrl?: string;
}

/**
 * The list field an input image's field belongs to, for errors about the images as a whole: `image_urls`
 * for `image_urls[1]`, `images` for `images[0].file_id`; a field that is no list item is itself.
 */
export function listFieldOf(field: string): string {
  return field.replace(/\[\d+\](\.[a-z_]+)?$/, '');
}

/**
 * Optional generation parameters under their public (OpenAI-style / imagegate) names. Every key here was
 * checked against the model's contract before a provider sees the job; adapters translate them through
 * their mapping tables.
 */
export interface ImageParams {
  size?: string; // 'auto' | 'WIDTHxHEIGHT'
  aspect_ratio?: string; // '3:2'
  resolution?: string; // '1K' | '2K' | '4K'
  quality?: string;
  background?: string;
  moderation?: string;
  output_format?: OutputFormat;
  output_compression?: number;
  input_fidelity?: string;
  style?: string;
  negative_prompt?: string;
  seed?: number;
  prompt_extend?: boolean;
  watermark?: boolean;
  /** Provider-native parameters admitted by a model's contract (bbox_list, thinking_mode, …). */
  [native: string]: JsonValue | undefined;
}

/**
 * The client reads the answer as server-sent events (`stream: true`): each image's finished form as an event,
 * after at most `partialImages` previews of it where the upstream makes them (within the model's contract).
 */
export interface ImageStream {
  partialImages: number;
}

export interface ImageJob {
  /** Request id (`req_…`), also used as the upstream idempotency/correlation id where one exists. */
  requestId: string;
  /** Canonical catalog id of the model. */
  model: string;
  operation: Operation;
  prompt: string;
  n: number;
  params: ImageParams;
  /** Edit sources or references, in client order. */
  images: InputImage[];
  mask?: InputImage;
  responseFormat: ResponseFormat;
  user?: string;
  /** The client can take a text-only answer (chat): a model that replies with text alone is not a failure. */
  acceptTextOnly?: boolean;
  /** Set when the client reads the answer as an image stream (server/image-stream.ts). */
  stream?: ImageStream;
}

/**
 * An image's base64 text held as bytes, so that a multi-megabyte image is never made a JS string on its way
 * from the upstream to the client (bytes/index.ts implements it). Stringified anywhere, it is its text.
 */
export interface Base64Image {
  /** Characters of base64 text. */
  readonly length: number;
  toString(): string;
  toJSON(): string;
}

/** An image's base64 text: a string, or held as bytes. */
export type Base64Text = string | Base64Image;

/** One generated image. Exactly one payload form; the pipeline converts only when the client needs another. */
export type ImagePayload =
  | { kind: 'b64'; b64: Base64Text; mime: ImageMime }
  /**
   * An image whose text went on while it arrived (CallContext.passThrough): to the client, or into the blob
   * store. Its text is not kept, so nothing can read or stringify it by mistake; its type and length are.
   */
  | { kind: 'passed-through'; mime: ImageMime; chars: number }
  | { kind: 'bytes'; bytes: Buffer; mime: ImageMime }
  /** A provider-hosted URL (short-lived): the pipeline downloads and re-hosts it. */
  | { kind: 'remote'; url: string; mime?: ImageMime };

export interface GeneratedImage {
  payload: ImagePayload;
  revisedPrompt?: string;
  /** Dimensions as reported by the upstream ('WxH'), when it reports them. */
  size?: string;
}

export interface TokenUsage {
  inputTextTokens?: number;
  inputImageTokens?: number;
  outputImageTokens?: number;
  outputTextTokens?: number;
  totalTokens?: number;
}

export interface ImageResult {
  images: GeneratedImage[];
  /** Images the upstream reported as failed (partial success). */
  failedCount: number;
  usage?: TokenUsage;
  upstreamRequestId?: string;
  /** Text the model returned beside the images (Gemini text parts), for dialects that have a place for it. */
  text?: string;
  /** Echo of effective settings reported by the upstream, for the OpenAI response envelope. */
  meta?: { size?: string; quality?: string; background?: string; output_format?: string };
}

/**
 * A piece of a result reported while the upstream is still working (chat streaming): text as the model
 * writes it, an image as soon as it is whole. The final ImageResult still holds everything; deltas are a
 * preview of it, never extra output.
 */
/**
 * A preview of an image the upstream is still making (OpenAI's partial images), reported while it works.
 * Unlike a ResultDelta it is not part of the result: the finished image replaces it. Its base64 text is
 * passed on as it came (Base64Bytes where the upstream body was read as bytes), never decoded.
 */
export interface PartialImage {
  /** 0-based, in the order the upstream sends them. */
  partialIndex: number;
  b64: Base64Text;
  mime: ImageMime;
  /** The settings the upstream reports with it, as ImageResult.meta. */
  meta?: ImageResult['meta'];
}

export type ResultDelta = { kind: 'text'; text: string } | { kind: 'image'; image: GeneratedImage };
