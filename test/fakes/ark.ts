/**
 * A fake Volcengine Ark images API (Ark's API docs): `POST /api/v3/images/generations` with Bearer auth,
 * Seedream 4.0 / 4.5 request validation (model, size tier or WxH rule, image shape, field types), real JPEG
 * images, url mode served from `GET /files/<id>.jpeg`, Ark's error shape, and knobs for moderation blocks,
 * per-image failures and empty replies, plus HttpFake's latency / drop / fail knobs.
 *
 * The rules here are written from Ark's API docs independently of the adapter's tables, so a wrong table
 * shows up as a 400 from the fake. Unknown fields are refused (Ark is assumed to ignore them silently) so a test
 * notices the adapter sending something Seedream does not define, e.g. `n`.
 *
 * Images: `size` in the reply is always the real requested size, but the bytes are a small real JPEG of the
 * same proportions unless `fullSizeImages` is set — encoding 4096x4096 for every reply would make tests slow.
 * A size tier answers square (1K 1024, 2K 2048, 4K 4096); with no size Ark's default 2048x2048.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { imageSize, makeImage } from './images.js';

interface ModelRule {
  tiers: Record<string, number>;
  minPixels: number;
  maxPixels: number;
  maxRatio: number;
}

const MODELS: Record<string, ModelRule> = {
  'doubao-seedream-4-0-250828': { tiers: { '1K': 1024, '2K': 2048, '4K': 4096 }, minPixels: 921_600, maxPixels: 16_777_216, maxRatio: 16 },
  'doubao-seedream-4-5-251128': { tiers: { '2K': 2048, '4K': 4096 }, minPixels: 3_686_400, maxPixels: 16_777_216, maxRatio: 16 },
};

const FIELDS = new Set([
  'model',
  'prompt',
  'image',
  'size',
  'sequential_image_generation',
  'sequential_image_generation_options',
  'response_format',
  'watermark',
  'stream',
  'optimize_prompt_options',
]);
const MAX_REFERENCES = 14;
const MAX_REFERENCE_BYTES = 10 * 1024 * 1024;
const DATA_URL = /^data:image\/(png|jpeg|jpg|webp|bmp|gif|tiff);base64,([A-Za-z0-9+/]+={0,2})$/;

type Json = Record<string, unknown>;

class Rejection {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly param: string,
    readonly type: string,
  ) {}
}
const invalid = (param: string, message: string) => new Rejection(400, 'InvalidParameter', message, param, 'BadRequest');

export class ArkFake extends HttpFake {
  /** Effective watermark of each accepted generation request (Ark's default is true). */
  watermarks: boolean[] = [];
  /** Reply with images of the full requested dimensions (slow for 4K). */
  fullSizeImages = false;
  /** Which header carries the request id. */
  requestIdHeader: 'x-request-id' | 'x-tt-logid' = 'x-request-id';
  /** Next N successful replies carry an empty data list. */
  emptyNext = 0;
  private sensitive: string[] = [];
  private partial: { count: number; code: string } | undefined;
  private readonly files = new Map<string, Buffer>();

  constructor(readonly apiKey = 'ark-fake-key-0123456789abcdef') {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/api\/v3\/images\/generations$/, handle: (r: RecordedRequest, res: ServerResponse) => this.generations(r, res) },
      { method: 'GET', path: /^\/files\/([\w-]+)\.jpeg$/, handle: (_r: RecordedRequest, res: ServerResponse, m: RegExpExecArray) => this.file(res, m[1]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.watermarks = [];
    this.fullSizeImages = false;
    this.requestIdHeader = 'x-request-id';
    this.emptyNext = 0;
    this.sensitive = [];
    this.partial = undefined;
  }

  /** The next accepted request is refused by moderation with this Ark code (HTTP 400). */
  sensitiveNext(code: string): void {
    this.sensitive.push(code);
  }

  /** In the next successful reply, the first k items carry `error: {code, message}` instead of an image. */
  partialFailNext(k: number, code = 'OutputImageSensitiveContentDetected'): void {
    this.partial = { count: k, code };
  }

  /** Bodies of the generation requests received, in order. */
  get bodies(): Json[] {
    return this.requestsTo('/api/v3/images/generations').map((r) => r.json as Json);
  }

  private requestId(): Record<string, string> {
    return { [this.requestIdHeader]: `021${Date.now()}${randomBytes(8).toString('hex')}` };
  }

  private reject(res: ServerResponse, r: Rejection): void {
    sendJson(res, r.status, { error: { code: r.code, message: `${r.message} Request id: ${randomUUID()}`, param: r.param, type: r.type } }, this.requestId());
  }

  private async generations(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return this.reject(res, new Rejection(401, 'AuthenticationError', 'The API key or AK/SK in the request is missing or invalid.', '', 'Unauthorized'));
    }
    try {
      const body = req.json;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('', 'The request body is not a JSON object.');
      const f = body as Json;
      const rule = this.checkModel(f);
      const size = this.checkSize(f, rule);
      const refs = await this.checkImages(f.image);
      const count = this.checkOptions(f, refs);
      const code = this.sensitive.shift();
      if (code)
        return this.reject(
          res,
          new Rejection(400, code, 'The request failed because the input or output may contain sensitive information.', '', 'BadRequest'),
        );
      this.watermarks.push((f.watermark as boolean | undefined) ?? true);
      await this.answer(res, f, size, count);
    } catch (e) {
      if (e instanceof Rejection) return this.reject(res, e);
      throw e;
    }
  }

  private checkModel(f: Json): ModelRule {
    for (const key of Object.keys(f))
      if (!FIELDS.has(key)) throw invalid(key, `The parameter \`${key}\` specified in the request is not valid: unknown parameter.`);
    if (typeof f.model !== 'string')
      throw new Rejection(400, 'MissingParameter', 'The request failed because it is missing one or multiple required parameters.', 'model', 'BadRequest');
    const rule = MODELS[f.model];
    if (!rule)
      throw new Rejection(
        404,
        'InvalidEndpointOrModel.NotFound',
        `The model or endpoint ${f.model} does not exist or you do not have access to it.`,
        'model',
        'NotFound',
      );
    if (typeof f.prompt !== 'string' || f.prompt === '')
      throw new Rejection(400, 'MissingParameter', 'The request failed because it is missing one or multiple required parameters.', 'prompt', 'BadRequest');
    return rule;
  }

  private checkSize(f: Json, rule: ModelRule): { width: number; height: number } {
    if (f.size === undefined) return { width: 2048, height: 2048 };
    const bad = (why: string) => invalid('size', `The parameter \`size\` specified in the request is not valid: ${why}.`);
    if (typeof f.size !== 'string') throw bad('must be a string');
    const tier = rule.tiers[f.size];
    if (tier) return { width: tier, height: tier };
    const m = /^(\d+)x(\d+)$/.exec(f.size);
    if (!m) throw bad(`must be one of ${Object.keys(rule.tiers).join(', ')} or WIDTHxHEIGHT`);
    const width = Number(m[1]);
    const height = Number(m[2]);
    const pixels = width * height;
    if (pixels < rule.minPixels || pixels > rule.maxPixels) throw bad(`total pixels must be within [${rule.minPixels}, ${rule.maxPixels}]`);
    if (Math.max(width, height) / Math.min(width, height) > rule.maxRatio) throw bad(`aspect ratio must be within [1/${rule.maxRatio}, ${rule.maxRatio}]`);
    return { width, height };
  }

  /** Number of references, after checking each is an http(s) URL or a data URL holding a real image. */
  private async checkImages(image: unknown): Promise<number> {
    if (image === undefined) return 0;
    const list = typeof image === 'string' ? [image] : image;
    if (!Array.isArray(list) || list.length === 0 || list.some((u) => typeof u !== 'string'))
      throw invalid('image', 'The parameter `image` must be a string or a non-empty list of strings.');
    if (list.length > MAX_REFERENCES) throw invalid('image', `At most ${MAX_REFERENCES} reference images are supported.`);
    for (const url of list as string[]) {
      if (/^https?:\/\/[^\s/]+/.test(url)) continue;
      const m = DATA_URL.exec(url);
      if (!m) throw invalid('image', 'The parameter `image` must be an image URL or data:image/<format>;base64,<data>.');
      const bytes = Buffer.from(m[2]!, 'base64');
      if (bytes.length > MAX_REFERENCE_BYTES) throw invalid('image', 'A reference image is larger than 10 MB.');
      const info = await imageSize(bytes).catch(() => undefined);
      if (!info?.width) throw invalid('image', 'A reference image could not be decoded.');
    }
    return list.length;
  }

  /** Checks the optional fields; returns how many images to make. */
  private checkOptions(f: Json, refs: number): number {
    if (f.watermark !== undefined && typeof f.watermark !== 'boolean') throw invalid('watermark', 'The parameter `watermark` must be a boolean.');
    if (f.response_format !== undefined && f.response_format !== 'url' && f.response_format !== 'b64_json')
      throw invalid('response_format', 'The parameter `response_format` must be url or b64_json.');
    if (f.stream === true) throw invalid('stream', 'ark fake: streaming is not implemented by this test double.');
    const opt = f.optimize_prompt_options as Json | undefined;
    if (opt !== undefined) {
      const ok =
        typeof opt === 'object' &&
        opt !== null &&
        Object.entries(opt).every(
          ([k, v]) =>
            (k === 'thinking' && ['auto', 'enabled', 'disabled'].includes(v as string)) || (k === 'mode' && ['standard', 'fast'].includes(v as string)),
        );
      if (!ok) throw invalid('optimize_prompt_options', 'The parameter `optimize_prompt_options` is not valid.');
    }
    const mode = f.sequential_image_generation ?? 'disabled';
    if (mode !== 'auto' && mode !== 'disabled')
      throw invalid('sequential_image_generation', 'The parameter `sequential_image_generation` must be auto or disabled.');
    const options = f.sequential_image_generation_options as Json | undefined;
    let maxImages = 15;
    if (options !== undefined) {
      const mi = options?.max_images;
      if (typeof options !== 'object' || options === null || (mi !== undefined && (typeof mi !== 'number' || !Number.isInteger(mi) || mi < 1 || mi > 15))) {
        throw invalid('sequential_image_generation_options', 'max_images must be an integer within [1, 15].');
      }
      if (mi !== undefined) maxImages = mi as number;
    }
    if (mode === 'disabled') return 1;
    if (refs + maxImages > 15) throw invalid('sequential_image_generation_options', 'The number of reference images plus max_images must not exceed 15.');
    return maxImages;
  }

  private async answer(res: ServerResponse, f: Json, size: { width: number; height: number }, count: number): Promise<void> {
    if (this.emptyNext > 0) {
      this.emptyNext--;
      return sendJson(
        res,
        200,
        { model: f.model, created: Math.floor(Date.now() / 1000), data: [], usage: { generated_images: 0, output_tokens: 0, total_tokens: 0 } },
        this.requestId(),
      );
    }
    const scale = this.fullSizeImages ? 1 : 64 / Math.max(size.width, size.height);
    const img = await makeImage(Math.max(1, Math.round(size.width * scale)), Math.max(1, Math.round(size.height * scale)), { format: 'jpeg' });
    const failing = Math.min(count, this.partial?.count ?? 0);
    const code = this.partial?.code ?? '';
    this.partial = undefined;
    const wantsUrl = (f.response_format ?? 'url') === 'url';
    const sizeText = `${size.width}x${size.height}`;
    const data = Array.from({ length: count }, (_, i) => {
      if (i < failing) return { error: { code, message: 'The request failed because the output image may contain sensitive information.' } };
      if (!wantsUrl) return { b64_json: img.toString('base64'), size: sizeText };
      const id = randomUUID();
      this.files.set(id, img);
      return { url: `${this.url}/files/${id}.jpeg`, size: sizeText };
    });
    const made = count - failing;
    const tokens = made * Math.round((size.width * size.height) / 256);
    sendJson(
      res,
      200,
      { model: f.model, created: Math.floor(Date.now() / 1000), data, usage: { generated_images: made, output_tokens: tokens, total_tokens: tokens } },
      this.requestId(),
    );
  }

  private file(res: ServerResponse, id: string): void {
    const bytes = this.files.get(id);
    if (!bytes) return sendJson(res, 404, { error: { code: 'NotFound', message: 'The object does not exist.' } });
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
    res.end(bytes);
  }
}

export async function startArkFake(): Promise<ArkFake> {
  return new ArkFake().start();
}
