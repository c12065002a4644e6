/**
 * A fake Stability AI v2beta Stable Image API (Stability's REST API reference) on 127.0.0.1: the generate
 * services (ultra, core, sd3 with its models) and the edit services (inpaint, erase, search-and-replace,
 * outpaint), each a multipart/form-data POST with Bearer auth, written from Stability's documentation
 * independently of the adapter's tables. It checks what it is sent as Stability does (required fields, allowed
 * values, the image's size, outpaint's directions) and refuses fields a service does not define (Stability's
 * own reaction to them is not documented; refusing lets a test notice a stray field).
 *
 * Answers follow the `accept` header: `image/*` → the image's bytes with `finish-reason` and `seed` headers;
 * `application/json` → `{image (base64), finish_reason, seed}`. Errors are `{id, name, errors: [..]}`.
 * Generated images are real PNG/JPEG/WEBP at the aspect ratio's ~1 megapixel size; edits keep the source's
 * size (outpaint adds its sides).
 *
 * Knobs beyond HttpFake's latency / drop / fail: filterNext (200 with finish reason CONTENT_FILTERED),
 * errorFinishNext (200 with finish reason ERROR), moderateNext (403 content_moderation), outOfCreditsNext
 * (402 payment_required).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { imageSize, makeImage } from './images.js';

type Format = 'png' | 'jpeg' | 'webp';

interface Service {
  fields: readonly string[];
  required: readonly string[];
  formats: readonly Format[];
  edit: boolean;
}

const STYLES = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
];
const SIZE_OF_RATIO: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '2:3': [832, 1216],
  '3:2': [1216, 832],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};
const SD3_MODELS = ['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash'];
const ALL: readonly Format[] = ['png', 'jpeg', 'webp'];
const GENERATE = ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'style_preset'];

const SERVICES: Record<string, Service> = {
  'generate/ultra': { fields: [...GENERATE, 'image', 'strength'], required: ['prompt'], formats: ALL, edit: false },
  'generate/core': { fields: GENERATE, required: ['prompt'], formats: ALL, edit: false },
  'generate/sd3': { fields: [...GENERATE, 'model', 'mode', 'cfg_scale', 'image', 'strength'], required: ['prompt'], formats: ['png', 'jpeg'], edit: false },
  'edit/inpaint': {
    fields: ['image', 'mask', 'prompt', 'negative_prompt', 'grow_mask', 'seed', 'output_format', 'style_preset'],
    required: ['image', 'prompt'],
    formats: ALL,
    edit: true,
  },
  'edit/erase': { fields: ['image', 'mask', 'grow_mask', 'seed', 'output_format'], required: ['image'], formats: ALL, edit: true },
  'edit/search-and-replace': {
    fields: ['image', 'prompt', 'search_prompt', 'negative_prompt', 'grow_mask', 'seed', 'output_format', 'style_preset'],
    required: ['image', 'prompt', 'search_prompt'],
    formats: ALL,
    edit: true,
  },
  'edit/outpaint': {
    fields: ['image', 'left', 'right', 'up', 'down', 'prompt', 'creativity', 'seed', 'output_format', 'style_preset'],
    required: ['image'],
    formats: ALL,
    edit: true,
  },
};

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly errors: string[],
  ) {
    super(errors.join(' '));
  }
}

const bad = (error: string) => new Refusal(400, 'bad_request', [error]);

export class StabilityFake extends HttpFake {
  filterNext = 0;
  errorFinishNext = 0;
  moderateNext = 0;
  outOfCreditsNext = 0;

  constructor(readonly apiKey = 'sk-fake-stability') {
    super([]);
    this.routes.push({ method: 'POST', path: /^\/v2beta\/stable-image\/((?:generate|edit)\/[\w-]+)$/, handle: (req, res, m) => this.serve(req, res, m[1]!) });
  }

  override reset(): void {
    super.reset();
    this.filterNext = 0;
    this.errorFinishNext = 0;
    this.moderateNext = 0;
    this.outOfCreditsNext = 0;
  }

  /** The form fields of a recorded request (files as File), for tests that check what was sent. */
  static async form(r: RecordedRequest): Promise<FormData> {
    return new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': String(r.headers['content-type']) },
      body: new Uint8Array(r.body),
    }).formData();
  }

  private async serve(req: RecordedRequest, res: ServerResponse, name: string): Promise<void> {
    try {
      await this.answer(req, res, name);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      sendJson(res, e.status, { id: randomUUID().replaceAll('-', ''), name: e.errorName, errors: e.errors });
    }
  }

  private async answer(req: RecordedRequest, res: ServerResponse, name: string): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) throw new Refusal(401, 'unauthorized', ['authorization: invalid or missing header value']);
    const service = SERVICES[name];
    if (!service) throw new Refusal(404, 'not_found', [`no such service: ${name}`]);
    const accept = req.headers.accept ?? 'image/*';
    if (accept !== 'image/*' && accept !== 'application/json') throw bad(`accept: must be image/* or application/json, got ${accept}`);
    if (!String(req.headers['content-type']).startsWith('multipart/form-data')) throw bad('content-type: must be multipart/form-data');
    const form = await StabilityFake.form(req);
    for (const key of form.keys()) if (!service.fields.includes(key)) throw bad(`${key}: is not a parameter of this service`);
    for (const key of service.required) if (!form.get(key)) throw bad(`${key}: is required`);
    const text = (k: string) => {
      const v = form.get(k);
      if (v !== null && typeof v !== 'string') throw bad(`${k}: must be text`);
      return v ?? undefined;
    };
    const ratio = text('aspect_ratio') ?? '1:1';
    if (!SIZE_OF_RATIO[ratio]) throw bad(`aspect_ratio: must be one of ${Object.keys(SIZE_OF_RATIO).join(', ')}`);
    const format = (text('output_format') ?? 'png') as Format;
    if (!service.formats.includes(format)) throw bad(`output_format: must be one of ${service.formats.join(', ')}`);
    const style = text('style_preset');
    if (style !== undefined && !STYLES.includes(style)) throw bad(`style_preset: must be one of ${STYLES.join(', ')}`);
    const seedText = text('seed');
    const seed = seedText === undefined ? 0 : Number(seedText);
    if (!Number.isInteger(seed) || seed < 0 || seed > 4294967294) throw bad('seed: must be an integer from 0 to 4294967294');
    if (name === 'generate/sd3' && !SD3_MODELS.includes(text('model') ?? 'sd3.5-large')) throw bad(`model: must be one of ${SD3_MODELS.join(', ')}`);
    for (const k of ['prompt', 'negative_prompt', 'search_prompt']) if ((text(k) ?? '').length > 10000) throw bad(`${k}: must be at most 10000 characters`);

    let [width, height] = SIZE_OF_RATIO[ratio]!;
    const startsFromImage = !service.edit && form.has('image');
    if (name === 'generate/sd3' && (text('mode') ?? 'text-to-image') !== (startsFromImage ? 'image-to-image' : 'text-to-image')) {
      throw bad(`mode: must be ${startsFromImage ? 'image-to-image with an image' : 'text-to-image without an image'}`);
    }
    if (startsFromImage) {
      const strength = Number(text('strength'));
      if (text('strength') === undefined || !(strength >= 0 && strength <= 1)) throw bad('strength: is required with an image, from 0 to 1');
      // Assumed from Stability's reference: aspect_ratio applies to text-to-image only.
      if (form.has('aspect_ratio')) throw bad('aspect_ratio: is not valid with an image');
    } else if (form.has('strength')) {
      throw bad('strength: is only valid with an image');
    }
    if (service.edit || startsFromImage) {
      const image = form.get('image');
      if (!(image instanceof File)) throw bad('image: must be a file');
      const source = await imageSize(Buffer.from(await image.arrayBuffer())).catch(() => undefined);
      if (!source) throw bad('image: could not be decoded');
      if (Math.min(source.width, source.height) < 64) throw bad('image: each side must be at least 64 pixels');
      [width, height] = [source.width, source.height];
      if (name === 'edit/outpaint') {
        const side = (k: string) => Number(text(k) ?? 0);
        const sides = ['left', 'right', 'up', 'down'].map(side);
        if (sides.some((s) => !Number.isInteger(s) || s < 0 || s > 2000)) throw bad('left: left, right, up and down must be integers from 0 to 2000');
        if (sides.every((s) => s === 0)) throw bad('left: at least one of left, right, up, down must be above 0');
        width += sides[0]! + sides[1]!;
        height += sides[2]! + sides[3]!;
      }
    }

    if (this.moderateNext > 0) {
      this.moderateNext--;
      throw new Refusal(403, 'content_moderation', [
        'Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.',
      ]);
    }
    if (this.outOfCreditsNext > 0) {
      this.outOfCreditsNext--;
      throw new Refusal(402, 'payment_required', ['You lack sufficient credits to make this request. Please purchase more credits and try again.']);
    }
    const filtered = this.filterNext > 0;
    if (filtered) this.filterNext--;
    const failed = !filtered && this.errorFinishNext > 0;
    if (failed) this.errorFinishNext--;
    const finish = filtered ? 'CONTENT_FILTERED' : failed ? 'ERROR' : 'SUCCESS';
    const usedSeed = seed === 0 ? randomInt(1, 4294967294) : seed;
    const bytes = await makeImage(width, height, { format });
    if (accept === 'application/json') {
      sendJson(res, 200, { image: bytes.toString('base64'), finish_reason: finish, seed: usedSeed });
      return;
    }
    res.writeHead(200, { 'content-type': `image/${format}`, 'content-length': bytes.length, 'finish-reason': finish, seed: String(usedSeed) });
    res.end(bytes);
  }
}

export async function startStabilityFake(apiKey?: string): Promise<StabilityFake> {
  return new StabilityFake(apiKey).start();
}
