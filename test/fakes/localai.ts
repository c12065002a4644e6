/**
 * A fake LocalAI (LocalAI's image generation endpoint, core/http/endpoints/openai/image.go): `POST
 * /v1/images/generations` taking model, prompt, n, size (WIDTHxHEIGHT), response_format and LocalAI's own
 * `step`; an API key only when one is configured (Bearer). It answers real PNG images of the asked size as
 * b64_json, or as URLs under `/generated-images/` on its own host (LocalAI's default, url). Errors use
 * LocalAI's shape `{"error": {"code": <number>, "message", "type"}}`.
 *
 * Knobs beyond HttpFake's latency / drop / fail: failNext (an error answer in LocalAI's shape), plainTextNext
 * (a plain-text error, as a proxy in front of the server sends), urlOrigin (where answered URLs point, to
 * play a server whose URLs lead elsewhere).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

const FIELDS = ['model', 'prompt', 'n', 'size', 'response_format', 'step', 'user'];

export class LocalAIFake extends HttpFake {
  failNext: Array<{ status: number; message: string }> = [];
  plainTextNext: Array<{ status: number; text: string }> = [];
  urlOrigin: string | undefined;
  private readonly hosted = new Map<string, Buffer>();

  /** `apiKey` undefined: the server takes requests without a key, as LocalAI does by default. */
  constructor(
    readonly models: readonly string[],
    readonly apiKey?: string,
  ) {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/v1\/images\/generations$/, handle: (req, res) => this.generate(req, res) },
      { method: 'GET', path: /^\/generated-images\/([\w-]+)\.png$/, handle: (_req, res, m) => this.hostedFile(res, m[1]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.failNext = [];
    this.plainTextNext = [];
    this.urlOrigin = undefined;
  }

  private async generate(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (this.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return localAIError(res, 401, 'An authentication key is required', 'invalid_request_error');
    }
    const plain = this.plainTextNext.shift();
    if (plain) {
      res.writeHead(plain.status, { 'content-type': 'text/plain' });
      return void res.end(plain.text);
    }
    const failure = this.failNext.shift();
    if (failure) return localAIError(res, failure.status, failure.message);
    const body = req.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return localAIError(res, 400, 'failed parsing request body');
    const unknown = Object.keys(body).find((f) => !FIELDS.includes(f));
    if (unknown) return localAIError(res, 400, `unknown field "${unknown}"`);
    if (!this.models.includes(String(body.model))) return localAIError(res, 500, `could not load model: model ${String(body.model)} not found`);
    if (typeof body.prompt !== 'string' || body.prompt === '') return localAIError(res, 400, 'prompt is required');
    const size = String(body.size ?? '512x512');
    const dims = /^(\d+)x(\d+)$/.exec(size);
    if (!dims) return localAIError(res, 500, `invalid value for 'size': ${size}`);
    const n = typeof body.n === 'number' && body.n > 0 ? body.n : 1;
    const image = await makeImage(Number(dims[1]), Number(dims[2]));
    const asUrl = body.response_format !== 'b64_json';
    const data = Array.from({ length: n }, () => (asUrl ? { url: this.host(image) } : { b64_json: image.toString('base64') }));
    sendJson(res, 200, { created: Math.floor(Date.now() / 1000), id: randomUUID(), data });
  }

  private host(img: Buffer): string {
    const id = randomUUID();
    this.hosted.set(id, img);
    return `${this.urlOrigin ?? this.url}/generated-images/${id}.png`;
  }

  private hostedFile(res: ServerResponse, id: string): void {
    const bytes = this.hosted.get(id);
    if (!bytes) return localAIError(res, 404, 'not found');
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length });
    res.end(bytes);
  }
}

function localAIError(res: ServerResponse, status: number, message: string, type = ''): void {
  sendJson(res, status, { error: { code: status, message, type } });
}

export async function startLocalAIFake(models: readonly string[], apiKey?: string): Promise<LocalAIFake> {
  return new LocalAIFake(models, apiKey).start();
}
