/**
 * A fake xAI image generation API (xAI's image generation guide and REST API reference): `POST
 * /v1/images/generations` with Bearer auth, written from xAI's documentation independently of the adapter's
 * tables. It checks what it is sent the way xAI does: known model, the fields xAI defines (size and style are
 * "Argument not supported"), n 1..10, aspect ratios, `1k`/`2k` resolution, quality only on
 * grok-imagine-image-2.0, and answers real JPEG images of the requested proportions with `mime_type` and
 * `revised_prompt`, as b64_json or as URLs it serves itself (xAI's default, url). Errors use xAI's shape
 * `{"code": "<status text>", "error": "<message>"}`.
 *
 * Knobs beyond HttpFake's latency / drop / fail: withholdNext (images marked `respect_moderation: false`
 * with no payload, as xAI's moderation withholds them), refuseNext (a 400 moderation refusal),
 * outOfCreditsNext (a 429 for a team out of credits).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

const RATIOS = ['auto', '1:1', '3:4', '4:3', '9:16', '16:9', '2:3', '3:2', '9:19.5', '19.5:9', '9:20', '20:9', '1:2', '2:1'];
const COMMON = ['model', 'prompt', 'n', 'response_format', 'user'];

interface ModelRule {
  fields: readonly string[];
  qualities?: readonly string[];
}

const MODELS: Record<string, ModelRule> = {
  'grok-imagine-image': { fields: [...COMMON, 'aspect_ratio', 'resolution'] },
  'grok-imagine-image-2.0': { fields: [...COMMON, 'aspect_ratio', 'resolution', 'quality'], qualities: ['low', 'medium'] },
  'grok-2-image-1212': { fields: COMMON },
};

const INVALID = 'Client specified an invalid argument';

export class XaiFake extends HttpFake {
  /** Images of the next answers marked withheld: a count of images per answer (Infinity = all). */
  withholdNext: number[] = [];
  refuseNext = 0;
  outOfCreditsNext = 0;
  private readonly hosted = new Map<string, Buffer>();

  constructor(readonly apiKey = 'xai-fake-key') {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/v1\/images\/generations$/, handle: (req, res) => this.generate(req, res) },
      { method: 'GET', path: /^\/files\/([\w-]+)\.jpeg$/, handle: (_req, res, m) => this.hostedFile(res, m[1]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.withholdNext = [];
    this.refuseNext = 0;
    this.outOfCreditsNext = 0;
  }

  private async generate(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return sendJson(res, 400, { code: INVALID, error: 'Incorrect API key provided: xa***ey. You can obtain an API key from https://console.x.ai.' });
    }
    const body = req.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return sendJson(res, 400, { code: INVALID, error: 'Failed to deserialize the JSON body.' });
    const rule = MODELS[String(body.model)];
    if (!rule)
      return sendJson(res, 404, {
        code: 'Some requested entity was not found',
        error: `The model ${String(body.model)} does not exist or your team does not have access to it.`,
      });
    for (const field of Object.keys(body))
      if (!rule.fields.includes(field)) return sendJson(res, 400, { code: INVALID, error: `Argument not supported: ${field}` });
    if (typeof body.prompt !== 'string' || body.prompt === '') return sendJson(res, 400, { code: INVALID, error: 'prompt must not be empty' });
    const n = body.n ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) return sendJson(res, 400, { code: INVALID, error: 'n must be between 1 and 10' });
    const ratio = body.aspect_ratio ?? 'auto';
    if (!RATIOS.includes(String(ratio))) return sendJson(res, 400, { code: INVALID, error: `Invalid aspect_ratio: ${String(ratio)}` });
    const resolution = body.resolution ?? '1k';
    if (resolution !== '1k' && resolution !== '2k') return sendJson(res, 400, { code: INVALID, error: `Invalid resolution: ${String(resolution)}` });
    if (body.quality !== undefined && !rule.qualities?.includes(String(body.quality)))
      return sendJson(res, 400, { code: INVALID, error: `Invalid quality: ${String(body.quality)}` });
    const format = body.response_format ?? 'url';
    if (format !== 'url' && format !== 'b64_json') return sendJson(res, 400, { code: INVALID, error: `Invalid response_format: ${String(format)}` });

    if (this.refuseNext > 0) {
      this.refuseNext--;
      return sendJson(res, 400, { code: INVALID, error: 'Generated image rejected by content moderation.' });
    }
    if (this.outOfCreditsNext > 0) {
      this.outOfCreditsNext--;
      return sendJson(res, 429, {
        code: 'Some resource has been exhausted',
        error: 'Your team has either used all available credits or reached its monthly spending limit.',
      });
    }
    const [width, height] = dimensions(String(ratio), resolution === '2k' ? 2048 : 1024);
    const image = await makeImage(width, height, { format: 'jpeg' });
    const withheld = this.withholdNext.shift() ?? 0;
    const data = Array.from({ length: n }, (_, i) => {
      if (i < withheld) return { url: '', respect_moderation: false };
      const payload = format === 'url' ? { url: this.host(image) } : { b64_json: image.toString('base64') };
      return { ...payload, mime_type: 'image/jpeg', revised_prompt: `revised: ${body.prompt as string}`, respect_moderation: true };
    });
    sendJson(res, 200, { data }, { 'x-request-id': `xai-${randomUUID()}` });
  }

  private host(img: Buffer): string {
    const id = randomUUID();
    this.hosted.set(id, img);
    return `${this.url}/files/${id}.jpeg`;
  }

  private hostedFile(res: ServerResponse, id: string): void {
    const bytes = this.hosted.get(id);
    if (!bytes) return sendJson(res, 404, { code: 'Some requested entity was not found', error: 'not found' });
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
    res.end(bytes);
  }
}

/** The image's pixel size: the long side at the resolution's, the short one in proportion ("auto" is square). */
function dimensions(ratio: string, long: number): [number, number] {
  if (ratio === 'auto') return [long, long];
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  return w >= h ? [long, Math.round((long * h) / w)] : [Math.round((long * w) / h), long];
}

export async function startXaiFake(apiKey?: string): Promise<XaiFake> {
  return new XaiFake(apiKey).start();
}
