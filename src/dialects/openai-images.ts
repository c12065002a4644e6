/**
 * The OpenAI Images dialect: `POST /v1/images/generations` JSON bodies in, the OpenAI images response out.
 * Also carries imagegate's image-to-image extension (`operation: "image-to-image"` with `image_url`,
 * `image_urls` or `reference_image_urls`) used by the seed documents, and `reference_file_ids` for uploaded
 * files. File references take that flat form, beside `reference_image_urls`, rather than the edit flow's
 * `images: [{file_id}]`: the seed documents tell clients that /v1/images/generations takes no `images` or
 * `file_id` (edit-flow shapes), and clients written against them keep that rule here.
 */
import type { DraftRequest, ImageSource } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';
import { fileIdSource } from './image-refs.js';
import type { Base64Text, ImageParams, JsonValue, Operation, ResponseFormat, TokenUsage } from '../domain/job.js';
import type { Delivery } from '../pipeline/pipeline.js';
import { sanitizeShape } from '../domain/sanitize.js';
import { type ReportedSettings, reportedSettings } from './image-settings.js';
import { SIZE_PATTERN, SIZE_TIER_PATTERN } from '../domain/size.js';
import { streamRequest } from './image-stream-fields.js';
import { GenerationsFields } from './request-fields.js';

/** Body fields the dialect itself consumes; everything else goes to the model's contract as a param. */
const ENVELOPE: ReadonlySet<string> = new Set(Object.keys(GenerationsFields.shape));
/** Where references may come: imagegate's fields, and Seedream's flat `image` (string or list). */
const REFERENCE_FIELDS = ['image_url', 'image_urls', 'reference_image_urls', 'image'] as const;

type Body = Record<string, unknown>;

/** Longer than any model id or alias; a longer `model` is refused, never looked up, logged or echoed. */
export const MODEL_MAX_LENGTH = 256;
/** Longer than any field name of any dialect; field names end up in `param`, errors and logs. */
const FIELD_NAME_MAX_LENGTH = 64;

export function asObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest(null, 'The request body must be a JSON object.');
  }
  checkFieldNames(body, '', 0);
  return body as Body;
}

/** Every object key in the body, nested ones too (message parts, DashScope parameters), is a plausible name. */
function checkFieldNames(value: unknown, path: string, depth: number): void {
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkFieldNames(v, `${path}[${i}]`, depth + 1);
    });
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.length > FIELD_NAME_MAX_LENGTH) {
      throw invalidRequest(
        path || null,
        `A field name${path ? ` in ${path}` : ''} is ${k.length} characters long; no field of this API is longer than ${FIELD_NAME_MAX_LENGTH}.`,
      );
    }
    checkFieldNames(v, path ? `${path}.${k}` : k, depth + 1);
  }
}

export const modelField = (body: Body) => optionalString(body, 'model', MODEL_MAX_LENGTH);

export function optionalString(body: Body, field: string, maxLength?: number): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(field, `${field} must be a string.`);
  if (maxLength !== undefined && v.length > maxLength) throw invalidRequest(field, `${field} must be at most ${maxLength} characters.`);
  return v;
}

export function optionalInteger(body: Body, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidRequest(field, `${field} must be an integer.`);
  return v;
}

export function parseResponseFormat(v: unknown): ResponseFormat | undefined {
  if (v === undefined || v === null) return undefined;
  if (v !== 'url' && v !== 'b64_json') throw invalidRequest('response_format', 'response_format must be "url" or "b64_json".');
  return v;
}

/**
 * The size grammar every model shares: a string of at most 16 chars, `auto`, WIDTHxHEIGHT, or a resolution
 * tier ("2K"). Whether the model takes a tier is the contract's call, which knows the model and can list
 * what it accepts.
 */
export function checkSizeSyntax(v: unknown, field = 'size'): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw invalidRequest(field, `${field} must be a string such as "1024x1024" or "auto", not a ${Array.isArray(v) ? 'list' : typeof v}.`);
  if (v.length > 16) throw invalidRequest(field, `${field} must be at most 16 characters, e.g. "1024x1024".`);
  if (!SIZE_PATTERN.test(v) && !SIZE_TIER_PATTERN.test(v)) {
    throw invalidRequest(
      field,
      `${field} "${v}" is not valid: use "auto" or WIDTHxHEIGHT with digits and a lowercase x, e.g. "1024x1024" (models with resolution tiers also take "1K", "2K", "4K").`,
    );
  }
  return v;
}

/** The OpenAI envelope fields every image endpoint shares, read with their type checks. */
export function commonFields(body: Body) {
  return {
    model: modelField(body),
    prompt: optionalString(body, 'prompt'),
    n: optionalInteger(body, 'n'),
    responseFormat: parseResponseFormat(body.response_format),
    user: optionalString(body, 'user', 256),
    callbackUrl: optionalString(body, 'callback_url', 2048),
  };
}

/** Everything outside the envelope goes to the model's contract as a param; size gets its grammar check here. */
export function paramsFrom(body: Body, envelope: ReadonlySet<string>): ImageParams {
  const params: ImageParams = {};
  for (const [k, v] of Object.entries(body)) {
    if (envelope.has(k) || k === 'stream' || v === undefined || v === null) continue;
    params[k] = v as JsonValue;
  }
  if ('size' in params) params.size = checkSizeSyntax(params.size);
  return params;
}

function parseOperation(v: unknown, hasReferences: boolean): Operation {
  if (v === undefined || v === null) return hasReferences ? 'image-to-image' : 'text-to-image';
  if (v === 'text-to-image' || v === 'image-to-image') return v;
  if (v === 'edit' || v === 'image-edit' || v === 'variation') {
    throw invalidRequest(
      'operation',
      `operation "${String(v)}" belongs to ${v === 'variation' ? '/v1/images/variations' : '/v1/images/edits'}; /v1/images/generations takes "text-to-image" or "image-to-image".`,
    );
  }
  throw invalidRequest('operation', 'operation must be "text-to-image" or "image-to-image".');
}

function referenceSources(body: Body): { sources: ImageSource[]; field: string } {
  const sources: ImageSource[] = [];
  let field = 'image_urls';
  for (const name of REFERENCE_FIELDS) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    field = name;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((u) => typeof u !== 'string')) {
      throw invalidRequest(
        name,
        `${name} must be ${name === 'image_url' ? 'a URL string' : 'a URL string or a list of URL strings'} (public http(s) or data: URLs).`,
      );
    }
    list.forEach((url, i) => {
      sources.push({ field: typeof v === 'string' ? name : `${name}[${i}]`, kind: 'url', url: url as string });
    });
  }
  const ids = body.reference_file_ids;
  if (ids !== undefined && ids !== null) {
    field = 'reference_file_ids';
    const list = typeof ids === 'string' ? [ids] : ids;
    if (!Array.isArray(list)) throw invalidRequest(field, `${field} must be a list of file ids from POST /v1/files.`);
    list.forEach((id, i) => {
      sources.push(fileIdSource(id, typeof ids === 'string' ? field : `${field}[${i}]`));
    });
  }
  return { sources, field };
}

export function parseGenerations(raw: unknown): DraftRequest {
  const body = asObject(raw);
  if (body.images !== undefined || body.file_id !== undefined) {
    const field = body.images !== undefined ? 'images' : 'file_id';
    throw invalidRequest(
      field,
      `${field} belongs to the edit flow: send it to POST /v1/images/edits. For image-to-image on /v1/images/generations use operation "image-to-image" with image_urls, or reference_file_ids for uploaded files.`,
    );
  }
  const stream = streamRequest(body);
  const { sources, field } = referenceSources(body);
  const operation = parseOperation(body.operation, sources.length > 0);
  if (operation === 'image-to-image' && sources.length === 0) {
    throw invalidRequest(
      'image_urls',
      'operation "image-to-image" needs reference images in image_url, image_urls, reference_image_urls or reference_file_ids.',
    );
  }
  if (operation === 'text-to-image' && sources.length > 0) {
    throw invalidRequest(field, 'Reference images need operation "image-to-image" (or leave operation out).');
  }
  const params = paramsFrom(body, ENVELOPE);
  const asyncFlag = body.async;
  if (asyncFlag !== undefined && typeof asyncFlag !== 'boolean') throw invalidRequest('async', 'async must be true or false.');
  return {
    endpoint: '/v1/images/generations',
    ...commonFields(body),
    operation,
    params,
    images: sources,
    imagesField: field,
    async: asyncFlag === true,
    ...(stream ? { imageStream: stream } : {}),
    shape: sanitizeShape(body) as Record<string, unknown>,
  };
}

export interface ImagesUsage {
  input_tokens: number;
  input_tokens_details: { text_tokens: number; image_tokens: number };
  output_tokens: number;
  output_tokens_details: { text_tokens: number; image_tokens: number };
  total_tokens: number;
}

export interface ImagesResponse extends ReportedSettings {
  created: number;
  data: Array<{ b64_json?: Base64Text; url?: string; revised_prompt?: string; size?: string }>;
  usage?: ImagesUsage;
  imagegate: {
    request_id: string;
    model: string;
    billing?: { billing_transaction_id: string; amount: number; currency: string; unit: 'micro' };
    failed?: number;
  };
}

/**
 * The bytes renderImagesResponse's reply begins with when its first image is base64 text: what goes out
 * before that text when it is passed through as it arrives (server/pass-through-reply.ts checks the two agree).
 */
export function imagesReplyHead(created: number): Buffer {
  return Buffer.from(`{"created":${created},"data":[{"b64_json":"`);
}

/** Token usage as the OpenAI images reply reports it. */
export function imagesUsage(u: TokenUsage): ImagesUsage {
  const input = (u.inputTextTokens ?? 0) + (u.inputImageTokens ?? 0);
  const output = (u.outputImageTokens ?? 0) + (u.outputTextTokens ?? 0);
  return {
    input_tokens: input,
    input_tokens_details: { text_tokens: u.inputTextTokens ?? 0, image_tokens: u.inputImageTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { text_tokens: u.outputTextTokens ?? 0, image_tokens: u.outputImageTokens ?? 0 },
    total_tokens: u.totalTokens ?? input + output,
  };
}

export function renderImagesResponse(d: Delivery, requestId: string): ImagesResponse {
  const res: ImagesResponse = {
    created: d.created,
    data: d.images.map((img) => {
      const item: ImagesResponse['data'][number] = img.b64 !== undefined ? { b64_json: img.b64 } : { url: img.url! };
      if (img.revisedPrompt) item.revised_prompt = img.revisedPrompt;
      if (img.size) item.size = img.size;
      return item;
    }),
    imagegate: { request_id: requestId, model: d.model.id },
    // Only values within the spec's enums, as OpenAI sends them (image-settings.ts).
    ...reportedSettings(d),
  };
  if (d.result.usage) res.usage = imagesUsage(d.result.usage);
  if (d.billingTransactionId) {
    res.imagegate.billing = { billing_transaction_id: d.billingTransactionId, amount: d.charged, currency: d.currency, unit: 'micro' };
  }
  if (d.result.failedCount) res.imagegate.failed = d.result.failedCount;
  return res;
}
