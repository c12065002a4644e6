/**
 * The OpenAI edit and variation dialects: `POST /v1/images/edits` (multipart with `image` / `image[]` /
 * `mask` files, or JSON with `images: [{image_url} | {file_id}]`) and `POST /v1/images/variations` (multipart).
 * Multipart text fields arrive as strings; the few numeric and boolean fields are converted here so the
 * contract check sees the same types as on the JSON path.
 */
import type { FastifyRequest } from 'fastify';
import type { DraftRequest, ImageSource } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';
import type { JsonValue, Operation } from '../domain/job.js';
import { sanitizeShape } from '../domain/sanitize.js';
import { imageRef, imageRefList } from './image-refs.js';
import { asObject, commonFields, paramsFrom } from './openai-images.js';
import { streamRequest } from './image-stream-fields.js';
import { EditsJsonFields, IMAGE_FILE_FIELDS } from './request-fields.js';

const INTEGER_FIELDS = new Set(['n', 'output_compression', 'seed', 'partial_images']);
const BOOLEAN_FIELDS = new Set(['watermark', 'prompt_extend', 'stream', 'async']);
/** Body fields the dialect itself consumes, in JSON and multipart bodies; the rest are the model's params. */
const ENVELOPE: ReadonlySet<string> = new Set([...Object.keys(EditsJsonFields.shape), ...IMAGE_FILE_FIELDS]);

export interface MultipartLimits {
  maxFileBytes: number;
  maxFiles: number;
}

interface CollectedForm {
  fields: Record<string, string>;
  images: ImageSource[];
  mask?: ImageSource;
  files: Array<{ field: string; bytes: number; type: string }>;
}

const IMAGE_FIELD = /^image(\[\d*\])?$/;

/** Reads the whole multipart body: files into memory (capped by the plugin's limits), text fields as strings. */
async function collect(req: FastifyRequest): Promise<CollectedForm> {
  if (!req.isMultipart())
    throw invalidRequest(null, 'This endpoint takes multipart/form-data (or JSON with images[].image_url or images[].file_id on /v1/images/edits).');
  const out: CollectedForm = { fields: {}, images: [], files: [] };
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      out.files.push({ field: part.fieldname, bytes: bytes.length, type: part.mimetype });
      if (IMAGE_FIELD.test(part.fieldname)) {
        out.images.push({ field: '', kind: 'bytes', bytes });
      } else if (part.fieldname === 'mask') {
        if (out.mask) throw invalidRequest('mask', 'Send one mask file.');
        out.mask = { field: 'mask', kind: 'bytes', bytes };
      } else {
        throw invalidRequest(part.fieldname, `Unexpected file field "${part.fieldname}"; images go in "image" (or repeated "image[]"), the mask in "mask".`);
      }
    } else {
      if (IMAGE_FIELD.test(part.fieldname) || part.fieldname === 'mask') {
        throw invalidRequest(part.fieldname, `${part.fieldname} must be a file upload (with curl: -F "${part.fieldname}=@/path/to/file.png"), not text.`);
      }
      if (part.fieldname in out.fields) throw invalidRequest(part.fieldname, `${part.fieldname} was sent more than once.`);
      out.fields[part.fieldname] = String(part.value);
    }
  }
  // Name each image as clients will recognise it in errors: `image` for one, `image[i]` for several.
  out.images.forEach((img, i) => {
    img.field = out.images.length === 1 ? 'image' : `image[${i}]`;
  });
  return out;
}

function typed(name: string, raw: string): JsonValue {
  if (INTEGER_FIELDS.has(name)) {
    if (!/^-?\d+$/.test(raw.trim())) throw invalidRequest(name, `${name} must be an integer.`);
    return Number(raw);
  }
  if (BOOLEAN_FIELDS.has(name)) {
    if (raw !== 'true' && raw !== 'false') throw invalidRequest(name, `${name} must be true or false.`);
    return raw === 'true';
  }
  return raw;
}

function draftFrom(
  endpoint: string,
  operation: Operation,
  body: Record<string, JsonValue>,
  images: ImageSource[],
  mask: ImageSource | undefined,
  shape: unknown,
): DraftRequest {
  const stream = streamRequest(body);
  // OpenAI streams generations and edits only; a variation is answered whole.
  if (stream && operation === 'variation') throw invalidRequest('stream', 'Variations are not streamed; remove stream (and partial_images).');
  if (operation === 'variation' && body.prompt !== undefined) throw invalidRequest('prompt', 'Variations take no prompt.');
  if (operation === 'variation' && mask) throw invalidRequest('mask', 'Variations take no mask.');
  const params = paramsFrom(body, ENVELOPE);
  if (images.length === 0) {
    throw invalidRequest('image', 'An image file is required (with curl: -F "image=@/path/to/image.png"; several as -F "image[]=@a.png" -F "image[]=@b.png").');
  }
  return {
    endpoint,
    ...commonFields(body),
    operation,
    params,
    images,
    imagesField: 'image',
    mask,
    async: body.async === true,
    ...(stream ? { imageStream: stream } : {}),
    shape: sanitizeShape(shape) as Record<string, unknown>,
  };
}

async function fromMultipart(req: FastifyRequest, endpoint: string, operation: Operation): Promise<DraftRequest> {
  const form = await collect(req);
  const body: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(form.fields)) body[k] = typed(k, v);
  const draft = draftFrom(endpoint, operation, body, form.images, form.mask, { ...form.fields, files: form.files });
  // What `typed` left as text may be a number or a flag in the model's contract: the contract decides.
  return { ...draft, textParams: Object.keys(draft.params).filter((k) => typeof draft.params[k] === 'string') };
}

/**
 * JSON edits: `images` and the optional `mask` as OpenAI's image references, each `{image_url}` (http(s) or
 * data: URL) or `{file_id}` (a file uploaded to POST /v1/files).
 */
function fromJson(raw: unknown): DraftRequest {
  const body = asObject(raw) as Record<string, JsonValue>;
  const images = imageRefList(body.images, 'images');
  const mask = body.mask === undefined || body.mask === null ? undefined : imageRef(body.mask, 'mask');
  const draft = draftFrom('/v1/images/edits', 'edit', body, images, mask, body);
  return { ...draft, imagesField: 'images' };
}

export async function parseEdits(req: FastifyRequest): Promise<DraftRequest> {
  // Media types are case-insensitive (RFC 9110); Fastify parsed the body as JSON on the same rule.
  if (mediaType(req.headers['content-type']) === 'application/json') return fromJson(req.body);
  return fromMultipart(req, '/v1/images/edits', 'edit');
}

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

export async function parseVariations(req: FastifyRequest): Promise<DraftRequest> {
  return fromMultipart(req, '/v1/images/variations', 'variation');
}
