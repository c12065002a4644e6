/**
 * A fake OpenAI Images API (OpenAI Images API docs) on 127.0.0.1, mounted under /v1: generations (JSON), edits
 * (multipart, or JSON with data-URL images and `moderation`) and variations (multipart), real PNG/JPEG/WEBP images of the requested size as b64_json or — DALL·E url mode —
 * as URLs the fake serves itself, and OpenAI's error shapes. It checks what it is sent the way the real API
 * does (auth, unknown parameters, sizes, qualities, n, prompt, images, mask), so a wrong request fails.
 *
 * Knobs beyond HttpFake's latency / drop / fail: moderateNext, emptyNext, fewerNext, fewerRate,
 * failNextWith (a specific OpenAI error), and setFixedResponse (a pre-serialized body for benchmarks).
 * GPT Image models also answer `stream: true` with server-sent events (openai-stream.ts), held or broken
 * by the `stream` knobs and streamFaultNext.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest } from './http-fake.js';
import { imageSize, makeImage } from './images.js';
import { inputImageTokens, outputImageTokens, usageOf } from './openai-usage.js';
import { type ImageStreamFault, type ImageStreamKnobs, writeImageStream } from './openai-stream.js';

export type Endpoint = 'generations' | 'edits' | 'variations';
type Format = 'png' | 'jpeg' | 'webp';

export interface ReceivedFile {
  field: string;
  filename: string;
  type: string;
  /** Byte length. */
  bytes: number;
  sha256: string;
}

export interface OpenAIError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

interface ModelRules {
  gpt: boolean;
  endpoints: readonly Endpoint[];
  sizes: readonly string[];
  /** gpt-image-2's free-form sizes. */
  freeSize?: (w: number, h: number) => boolean;
  quality: readonly string[];
  maxN: number;
  maxPrompt: number;
  maxImages: number;
  inputFidelity: boolean;
}

const GPT: ModelRules = {
  gpt: true,
  endpoints: ['generations', 'edits'],
  sizes: ['auto', '1024x1024', '1536x1024', '1024x1536'],
  quality: ['auto', 'low', 'medium', 'high'],
  maxN: 10,
  maxPrompt: 32000,
  maxImages: 16,
  inputFidelity: true,
};

const MODELS: Record<string, ModelRules> = {
  'gpt-image-1': GPT,
  'gpt-image-1.5': GPT,
  'gpt-image-1-mini': { ...GPT, inputFidelity: false },
  'chatgpt-image-latest': GPT,
  'gpt-image-2': {
    ...GPT,
    freeSize: (w, h) => w % 16 === 0 && h % 16 === 0 && Math.max(w, h) <= 3840 && w * h <= 3840 * 2160 && Math.max(w, h) / Math.min(w, h) <= 3,
  },
  'dall-e-3': {
    gpt: false,
    endpoints: ['generations'],
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    quality: ['standard', 'hd'],
    maxN: 1,
    maxPrompt: 4000,
    maxImages: 0,
    inputFidelity: false,
  },
  'dall-e-2': {
    gpt: false,
    endpoints: ['generations', 'edits', 'variations'],
    sizes: ['256x256', '512x512', '1024x1024'],
    quality: ['standard'],
    maxN: 10,
    maxPrompt: 1000,
    maxImages: 1,
    inputFidelity: false,
  },
};

/** Fields each endpoint knows; anything else is "Unknown parameter". Files (image, image[], mask) are checked apart. */
const KNOWN_FIELDS: Record<Endpoint, readonly string[]> = {
  generations: [
    'prompt',
    'model',
    'n',
    'size',
    'quality',
    'background',
    'moderation',
    'output_format',
    'output_compression',
    'response_format',
    'style',
    'stream',
    'partial_images',
    'user',
  ],
  edits: [
    'prompt',
    'model',
    'n',
    'size',
    'quality',
    'background',
    'output_format',
    'output_compression',
    'input_fidelity',
    'response_format',
    'stream',
    'partial_images',
    'user',
  ],
  variations: ['model', 'n', 'size', 'response_format', 'user'],
};
/** The JSON form of /images/edits (EditImageBodyJsonParam): images by reference, and moderation besides. */
const JSON_EDIT_FIELDS = [...KNOWN_FIELDS.edits.filter((f) => f !== 'response_format'), 'images', 'mask', 'moderation'];
const GPT_ONLY = ['background', 'moderation', 'output_format', 'output_compression', 'input_fidelity', 'stream', 'partial_images'];
const DALL_E_ONLY = ['response_format'];
const FOUR_MB = 4 * 1024 * 1024;
const MIME: Record<Format, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** A request the real API would refuse: answered as HTTP `status` with OpenAI's error body. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: OpenAIError,
  ) {
    super(error.message);
  }
}

const invalid = (param: string | null, message: string, code: string | null = 'invalid_value') =>
  new Refusal(400, { message, type: 'invalid_request_error', param, code });

/** The parsed request, whatever its encoding. */
interface Incoming {
  endpoint: Endpoint;
  fields: Record<string, unknown>;
  files: ReceivedFile[];
  /** Each received file's bytes (for format and dimension checks). */
  fileBytes: Map<ReceivedFile, Buffer>;
  /** An edit sent as JSON, its images as data URLs. */
  jsonEdit?: boolean;
}

// Dated snapshots take what their model takes.
MODELS['gpt-image-2-2026-04-21'] = MODELS['gpt-image-2']!;
MODELS['gpt-image-1.5-2025-12-16'] = MODELS['gpt-image-1.5']!;

export class OpenAIFake extends HttpFake {
  /** The next N generations/edits are refused by the safety system. */
  moderateNext = 0;
  /** The next N replies carry `data: []`. */
  emptyNext = 0;
  /** The next reply carries this many images fewer than asked (partial result), then back to 0. */
  fewerNext = 0;
  /** Probability that a reply with n > 1 carries one image fewer than asked. */
  fewerRate = 0;
  /** Multipart files and text fields of the last edit/variation. */
  lastFiles: ReceivedFile[] = [];
  lastFields: Record<string, string> = {};
  /** x-request-id of the last protocol answer (HttpFake's forced failures carry `req_fake_failure`). */
  lastRequestId: string | undefined;
  private readonly queuedErrors: Array<{ status: number; error: OpenAIError; headers: Record<string, string> }> = [];
  private fixedResponse: Buffer | undefined;
  private readonly hosted = new Map<string, Buffer>();
  /** How streamed answers are paced and held (openai-stream.ts). */
  readonly stream: ImageStreamKnobs = { delayMs: 0, gate: undefined, fault: undefined };
  private readonly streamFaults: ImageStreamFault[] = [];

  constructor(readonly apiKey = 'sk-fake-openai') {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/v1\/images\/(generations|edits|variations)$/, handle: (r, res, m) => this.images(r, res, m[1] as Endpoint) },
      { method: 'GET', path: /^\/files\/([\w-]+)\.png$/, handle: (_r, res, m) => this.hostedFile(res, m[1]!) },
    );
    this.knobs.failHeaders = { 'x-request-id': 'req_fake_failure' };
  }

  override reset(): void {
    super.reset();
    this.knobs.failHeaders = { 'x-request-id': 'req_fake_failure' };
    this.moderateNext = this.emptyNext = this.fewerNext = this.fewerRate = 0;
    this.lastFiles = [];
    this.lastFields = {};
    this.lastRequestId = undefined;
    this.queuedErrors.length = 0;
    this.fixedResponse = undefined;
    Object.assign(this.stream, { delayMs: 0, gate: undefined, fault: undefined });
    this.streamFaults.length = 0;
  }

  /** The next streamed answer goes wrong this way. */
  streamFaultNext(fault: ImageStreamFault): void {
    this.streamFaults.push(fault);
  }

  /** Answer the next image request (after the auth check) with this OpenAI error. */
  failNextWith(status: number, error: Partial<OpenAIError> & { message: string }, headers: Record<string, string> = {}): void {
    this.queuedErrors.push({ status, error: { type: 'invalid_request_error', param: null, code: null, ...error }, headers });
  }

  /** While set, /images/generations answers exactly these bytes (after the auth check): no parsing, no image work. */
  setFixedResponse(body: Buffer | undefined): void {
    this.fixedResponse = body;
  }

  /** What a host adds to a whole (not streamed) answer's body; OpenAI adds nothing. */
  protected hostAnswer(reply: Record<string, unknown>): Record<string, unknown> {
    return reply;
  }

  /** Headers a host adds to each answer (Azure's request id); OpenAI adds none beyond x-request-id. */
  protected hostHeaders(): Record<string, string> {
    return {};
  }

  private send(res: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string> = {}): void {
    this.lastRequestId = `req_${randomUUID().replaceAll('-', '')}`;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-request-id': this.lastRequestId,
      ...this.hostHeaders(),
      ...headers,
    });
    res.end(body);
  }

  private refuse(res: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
    this.send(res, refusal.status, JSON.stringify({ error: refusal.error }), headers);
  }

  /** OpenAI's key check; false when the request was refused. Hosts of the same protocol (Azure) check their own way. */
  protected authorize(r: RecordedRequest, res: ServerResponse): boolean {
    if (r.headers.authorization === `Bearer ${this.apiKey}`) return true;
    // OpenAI echoes a masked form of the key it was given: the adapter must not pass even that on.
    const given = String(r.headers.authorization ?? '').replace(/^Bearer\s+/, '');
    const message = `Incorrect API key provided: ${given.slice(0, 3)}****${given.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    this.refuse(res, new Refusal(401, { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' }));
    return false;
  }

  /**
   * One Images API request. `deployedModel`: the model a host serves at this path whatever the body names
   * (Azure's deployment URLs).
   */
  protected async images(r: RecordedRequest, res: ServerResponse, endpoint: Endpoint, deployedModel?: string): Promise<void> {
    if (!this.authorize(r, res)) return;
    const queued = this.queuedErrors.shift();
    if (queued) return this.refuse(res, new Refusal(queued.status, queued.error), queued.headers);
    if (endpoint === 'generations' && this.fixedResponse) return this.send(res, 200, this.fixedResponse);
    try {
      const json = String(r.headers['content-type'] ?? '').startsWith('application/json');
      const incoming =
        endpoint === 'generations' ? this.jsonBody(r) : endpoint === 'edits' && json ? this.jsonEditBody(r) : await this.multipartBody(r, endpoint);
      if (deployedModel !== undefined) incoming.fields = { ...incoming.fields, model: deployedModel };
      const reply = await this.answer(incoming);
      if (incoming.fields.stream === true) return await this.sendStream(res, incoming, reply);
      this.send(res, 200, JSON.stringify(this.hostAnswer(reply)));
    } catch (e) {
      if (e instanceof Refusal) return this.refuse(res, e);
      throw e;
    }
  }

  private async sendStream(res: ServerResponse, incoming: Incoming, body: Record<string, unknown>): Promise<void> {
    this.lastRequestId = `req_${randomUUID().replaceAll('-', '')}`;
    const [width, height] = String(body.size).split('x').map(Number) as [number, number];
    const answer = {
      family: incoming.endpoint === 'edits' ? ('image_edit' as const) : ('image_generation' as const),
      partialImages: Number(incoming.fields.partial_images ?? 0),
      body,
      width,
      height,
    };
    await writeImageStream(res, answer, { ...this.stream, fault: this.streamFaults.shift() ?? this.stream.fault }, this.lastRequestId);
  }

  private jsonBody(r: RecordedRequest): Incoming {
    if (!String(r.headers['content-type'] ?? '').startsWith('application/json') || typeof r.json !== 'object' || r.json === null || Array.isArray(r.json)) {
      throw invalid(
        null,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        null,
      );
    }
    return { endpoint: 'generations', fields: r.json as Record<string, unknown>, files: [], fileBytes: new Map() };
  }

  /** A JSON edit: `images: [{image_url}]` and `mask: {image_url}` as data URLs, read into files like multipart ones. */
  private jsonEditBody(r: RecordedRequest): Incoming {
    const { fields } = this.jsonBody(r);
    const files: ReceivedFile[] = [];
    const fileBytes = new Map<ReceivedFile, Buffer>();
    const read = (ref: unknown, field: string, param: string) => {
      const url = typeof ref === 'object' && ref !== null ? (ref as { image_url?: unknown }).image_url : undefined;
      const m = typeof url === 'string' ? /^data:(image\/[a-z]+);base64,(.*)$/.exec(url) : null;
      if (!m) throw invalid(param, `Invalid '${param}': expected an object with an image_url data URL.`, 'invalid_value');
      const bytes = Buffer.from(m[2]!, 'base64');
      const file = { field, filename: field, type: m[1]!, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      files.push(file);
      fileBytes.set(file, bytes);
    };
    const images = fields.images;
    if (!Array.isArray(images) || images.length === 0) throw invalid('images', "Missing required parameter: 'images'.", 'missing_required_parameter');
    images.forEach((ref, i) => {
      read(ref, images.length === 1 ? 'image' : 'image[]', `images[${i}]`);
    });
    if (fields.mask !== undefined) read(fields.mask, 'mask', 'mask');
    const { images: _images, mask: _mask, ...rest } = fields;
    this.lastFiles = files;
    return { endpoint: 'edits', fields: rest, files, fileBytes, jsonEdit: true };
  }

  private async multipartBody(r: RecordedRequest, endpoint: Endpoint): Promise<Incoming> {
    const contentType = String(r.headers['content-type'] ?? '');
    if (!contentType.startsWith('multipart/form-data'))
      throw invalid(null, `Invalid Content-Type header (${contentType}), expected multipart/form-data.`, null);
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(r.body) }).formData();
    const fields: Record<string, unknown> = {};
    const files: ReceivedFile[] = [];
    const fileBytes = new Map<ReceivedFile, Buffer>();
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') {
        if (name in fields) throw invalid(name, `Duplicate parameter: '${name}'.`, 'duplicate_parameter');
        fields[name] = value;
        continue;
      }
      const bytes = Buffer.from(await value.arrayBuffer());
      const file = { field: name, filename: value.name, type: value.type, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      files.push(file);
      fileBytes.set(file, bytes);
    }
    this.lastFiles = files;
    this.lastFields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
    if (fields.stream !== undefined) {
      if (fields.stream !== 'true' && fields.stream !== 'false') throw invalid('stream', `Invalid value for 'stream': expected a boolean.`, 'invalid_type');
      fields.stream = fields.stream === 'true';
    }
    for (const key of ['n', 'output_compression', 'partial_images']) {
      if (fields[key] === undefined) continue;
      if (!/^\d+$/.test(String(fields[key]))) throw invalid(key, `Invalid type for '${key}': expected an integer, but got a string instead.`, 'invalid_type');
      fields[key] = Number(fields[key]);
    }
    return { endpoint, fields, files, fileBytes };
  }

  private async answer({ endpoint, fields: f, files, fileBytes, jsonEdit }: Incoming): Promise<Record<string, unknown>> {
    const modelName = f.model === undefined ? (jsonEdit ? 'gpt-image-1.5' : 'dall-e-2') : String(f.model);
    const model = MODELS[modelName];
    if (!model) throw invalid('model', `Invalid value for 'model' = ${modelName}.`);
    if (!model.endpoints.includes(endpoint)) throw invalid('model', `The model '${modelName}' is not supported for /images/${endpoint}.`);
    if (jsonEdit && !model.gpt) throw invalid('model', 'JSON edits support GPT image models only; send dall-e-2 edits as multipart.');
    const known = jsonEdit ? JSON_EDIT_FIELDS : KNOWN_FIELDS[endpoint];
    for (const key of Object.keys(f)) {
      if (
        !known.includes(key) ||
        (model.gpt && DALL_E_ONLY.includes(key)) ||
        (!model.gpt && (GPT_ONLY.includes(key) || (key === 'style' && modelName !== 'dall-e-3')))
      ) {
        throw invalid(key, `Unknown parameter: '${key}'.`, 'unknown_parameter');
      }
    }
    if (f.stream !== undefined && typeof f.stream !== 'boolean') throw invalid('stream', `Invalid value for 'stream': expected a boolean.`, 'invalid_type');
    if (f.partial_images !== undefined) {
      const p = f.partial_images;
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 3)
        throw invalid('partial_images', `Invalid 'partial_images': expected an integer from 0 to 3.`, 'integer_out_of_range');
    }
    // The fake's reading of OpenAI: a stream carries one image (its events have no image index).
    if (f.stream === true && f.n !== undefined && f.n !== 1) throw invalid('n', 'Streaming supports n=1 only.', 'unsupported_value');
    if (endpoint !== 'variations') {
      if (typeof f.prompt !== 'string' || f.prompt === '') throw invalid('prompt', "Missing required parameter: 'prompt'.", 'missing_required_parameter');
      if (f.prompt.length > model.maxPrompt)
        throw invalid(
          'prompt',
          `Invalid 'prompt': string too long. Expected a string with maximum length ${model.maxPrompt}, but got a string with length ${f.prompt.length} instead.`,
          'string_above_max_length',
        );
    }
    const n = f.n === undefined ? 1 : f.n;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10)
      throw invalid('n', `Invalid 'n': integer ${String(n)} out of range; expected 1 to 10.`, 'integer_out_of_range');
    if (n > model.maxN) throw invalid('n', `You requested ${n} images, but ${modelName} only supports n=${model.maxN}.`);
    const size = f.size === undefined ? (model.gpt ? 'auto' : '1024x1024') : String(f.size);
    const dims = /^(\d+)x(\d+)$/.exec(size);
    if (!model.sizes.includes(size) && !(dims && model.freeSize?.(Number(dims[1]), Number(dims[2])))) {
      throw invalid('size', `Invalid value: '${size}'. Supported values are: ${model.sizes.map((s) => `'${s}'`).join(', ')}.`);
    }
    if (f.quality !== undefined && !model.quality.includes(String(f.quality))) {
      throw invalid('quality', `Invalid value: '${String(f.quality)}'. Supported values are: ${model.quality.map((s) => `'${s}'`).join(', ')}.`);
    }
    if (f.style !== undefined && !['vivid', 'natural'].includes(String(f.style)))
      throw invalid('style', `Invalid value: '${String(f.style)}'. Supported values are: 'vivid' and 'natural'.`);
    if (f.response_format !== undefined && !['url', 'b64_json'].includes(String(f.response_format)))
      throw invalid('response_format', `Invalid value: '${String(f.response_format)}'. Supported values are: 'url' and 'b64_json'.`);
    if (f.background !== undefined && !['transparent', 'opaque', 'auto'].includes(String(f.background)))
      throw invalid('background', `Invalid value: '${String(f.background)}'. Supported values are: 'transparent', 'opaque' and 'auto'.`);
    if (f.moderation !== undefined && !['low', 'auto'].includes(String(f.moderation)))
      throw invalid('moderation', `Invalid value: '${String(f.moderation)}'. Supported values are: 'low' and 'auto'.`);
    if (f.input_fidelity !== undefined) {
      if (!model.inputFidelity) throw invalid('input_fidelity', `input_fidelity is not supported for ${modelName}.`, 'unsupported_parameter');
      if (!['high', 'low'].includes(String(f.input_fidelity)))
        throw invalid('input_fidelity', `Invalid value: '${String(f.input_fidelity)}'. Supported values are: 'high' and 'low'.`);
    }
    const format = (f.output_format ?? 'png') as Format;
    if (!(format in MIME)) throw invalid('output_format', `Invalid value: '${String(format)}'. Supported values are: 'png', 'jpeg' and 'webp'.`);
    if (f.output_compression !== undefined) {
      const c = f.output_compression;
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 100)
        throw invalid('output_compression', `Invalid 'output_compression': expected an integer from 0 to 100.`, 'integer_out_of_range');
      if (format === 'png')
        throw invalid('output_compression', 'output_compression is only supported for the jpeg and webp output formats.', 'unsupported_value');
    }
    if (f.background === 'transparent' && format === 'jpeg')
      throw invalid('background', 'Transparent background is not supported for the jpeg output format; use png or webp.', 'unsupported_value');
    if (endpoint !== 'generations') await this.checkFiles(endpoint, model, files, fileBytes);

    if (this.moderateNext > 0 && endpoint !== 'variations') {
      this.moderateNext--;
      throw model.gpt
        ? new Refusal(400, {
            message:
              'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID req_fake.',
            type: 'image_generation_user_error',
            param: null,
            code: 'moderation_blocked',
          })
        : new Refusal(400, {
            message: 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
            type: 'invalid_request_error',
            param: null,
            code: 'content_policy_violation',
          });
    }
    const count = this.imagesToReturn(n);
    const [w, h] = (size === 'auto' ? '1024x1024' : size).split('x').map(Number) as [number, number];
    const outFormat: Format = model.gpt ? format : 'png';
    const img = await makeImage(w, h, { format: outFormat });
    const asUrl = !model.gpt && (f.response_format ?? 'url') === 'url';
    const revised = modelName === 'dall-e-3' ? { revised_prompt: `revised: ${String(f.prompt)}` } : {};
    const b64 = asUrl ? '' : img.toString('base64');
    const data = Array.from({ length: count }, () => (asUrl ? { url: this.host(img), ...revised } : { b64_json: b64, ...revised }));
    const body: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data };
    if (model.gpt) {
      const quality = f.quality === undefined || f.quality === 'auto' ? 'medium' : String(f.quality);
      const background = f.background === undefined || f.background === 'auto' ? 'opaque' : String(f.background);
      Object.assign(body, { background, output_format: outFormat, quality, size: `${w}x${h}` });
      const sources = files.filter((file) => file.field === 'image' || file.field === 'image[]');
      let imageTokens = 0;
      for (const file of sources) {
        const d = await imageSize(fileBytes.get(file)!);
        imageTokens += inputImageTokens(modelName, d.width, d.height, f.input_fidelity === undefined ? undefined : String(f.input_fidelity));
      }
      const textTokens = Math.ceil(Buffer.byteLength(String(f.prompt ?? ''), 'utf8') / 4) + 6 + 32 * sources.length;
      body.usage = usageOf({ textTokens, imageTokens, outputImageTokens: outputImageTokens(modelName, quality, w, h) * count });
    }
    return body;
  }

  /** Edit sources and masks as the real API takes them: `image` once or `image[]` repeated, PNG masks of the first image's size. */
  private async checkFiles(endpoint: Endpoint, model: ModelRules, files: ReceivedFile[], bytes: Map<ReceivedFile, Buffer>): Promise<void> {
    const single = files.filter((f) => f.field === 'image');
    const many = files.filter((f) => f.field === 'image[]');
    const masks = files.filter((f) => f.field === 'mask');
    const other = files.find((f) => !['image', 'image[]', 'mask'].includes(f.field));
    if (other) throw invalid(other.field, `Unknown parameter: '${other.field}'.`, 'unknown_parameter');
    if (single.length + many.length === 0) throw invalid('image', "Missing required parameter: 'image'.", 'missing_required_parameter');
    if (single.length > 1 || (single.length && many.length))
      throw invalid('image', "Duplicate parameter: 'image'. To send several images use the 'image[]' field.", 'duplicate_parameter');
    const images = single.length ? single : many;
    const max = endpoint === 'variations' ? 1 : model.maxImages;
    if (images.length > max) throw invalid('image', `Too many images: ${images.length}; at most ${max} are supported.`);
    if (endpoint === 'variations' && masks.length) throw invalid('mask', "Unknown parameter: 'mask'.", 'unknown_parameter');
    if (masks.length > 1) throw invalid('mask', "Duplicate parameter: 'mask'.", 'duplicate_parameter');
    const first = await this.describe(images[0]!, bytes);
    for (const file of images.slice(1)) await this.describe(file, bytes);
    if (!model.gpt && (first.format !== 'png' || first.width !== first.height || images[0]!.bytes >= FOUR_MB)) {
      throw invalid('image', 'Uploaded image must be a square PNG less than 4 MB.');
    }
    // DALL·E 2 edits the transparent area: without a mask the image itself must have one.
    if (!model.gpt && endpoint === 'edits' && !masks.length && !first.hasAlpha) {
      throw invalid('image', "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB.");
    }
    if (masks[0]) {
      const mask = await this.describe(masks[0], bytes);
      if (mask.format !== 'png') throw invalid('mask', 'Invalid mask: it must be a PNG image.');
      if (mask.width !== first.width || mask.height !== first.height)
        throw invalid('mask', `Invalid mask image: its dimensions (${mask.width}x${mask.height}) must match the image (${first.width}x${first.height}).`);
    }
  }

  private async describe(file: ReceivedFile, bytes: Map<ReceivedFile, Buffer>): Promise<{ width: number; height: number; format: string; hasAlpha: boolean }> {
    try {
      const info = await imageSize(bytes.get(file)!);
      if (!['png', 'jpeg', 'webp'].includes(info.format)) throw new Error(info.format);
      return info;
    } catch {
      throw invalid(file.field, `Invalid image file or mode for image ${file.filename}, please check your image file.`, 'invalid_image_file');
    }
  }

  private imagesToReturn(n: number): number {
    if (this.emptyNext > 0) {
      this.emptyNext--;
      return 0;
    }
    if (this.fewerNext > 0) {
      const count = Math.max(0, n - this.fewerNext);
      this.fewerNext = 0;
      return count;
    }
    if (this.fewerRate > 0 && n > 1 && Math.random() < this.fewerRate) return n - 1;
    return n;
  }

  /** DALL·E url mode: the image is served by the fake itself, like OpenAI's short-lived blob URLs. */
  private host(img: Buffer): string {
    const id = randomUUID();
    this.hosted.set(id, img);
    return `${this.url}/files/${id}.png`;
  }

  private hostedFile(res: ServerResponse, id: string): void {
    const bytes = this.hosted.get(id);
    if (!bytes) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>BlobNotFound</Code></Error>');
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length });
    res.end(bytes);
  }
}

export async function startOpenAIFake(): Promise<OpenAIFake> {
  return new OpenAIFake().start();
}
