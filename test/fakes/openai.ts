/**
 * A fake OpenAI Images API (upstreams.md §1): generations (JSON), edits and variations (multipart), real
 * images of the requested size, OpenAI's error shapes, and knobs for moderation blocks, empty and short
 * replies, plus HttpFake's latency / drop / fail knobs.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

const SIZES: Record<string, string[]> = {
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
  gpt: ['auto', '1024x1024', '1536x1024', '1024x1536'],
};

export interface ReceivedFile {
  field: string;
  filename: string;
  type: string;
  bytes: number;
}

export class OpenAIFake extends HttpFake {
  moderateNext = 0;
  emptyNext = 0;
  fewerNext = 0;
  /** Probability that a reply carries one image fewer than asked (partial result). */
  fewerRate = 0;
  /** Multipart files of the last edit/variation. */
  lastFiles: ReceivedFile[] = [];
  lastFields: Record<string, string> = {};
  private readonly files = new Map<string, Buffer>();

  constructor(readonly apiKey = 'sk-fake-openai') {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/v1\/images\/generations$/, handle: (r: RecordedRequest, res: ServerResponse) => this.generations(r, res) },
      { method: 'POST', path: /^\/v1\/images\/(edits|variations)$/, handle: (r: RecordedRequest, res: ServerResponse, m: RegExpExecArray) => this.multipart(r, res, m[1] as 'edits' | 'variations') },
      { method: 'GET', path: /^\/files\/([\w-]+)\.png$/, handle: (_r: RecordedRequest, res: ServerResponse, m: RegExpExecArray) => this.file(res, m[1]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.moderateNext = this.emptyNext = this.fewerNext = this.fewerRate = 0;
    this.lastFiles = [];
    this.lastFields = {};
  }

  private authorized(r: RecordedRequest, res: ServerResponse): boolean {
    if (r.headers.authorization === `Bearer ${this.apiKey}`) return true;
    sendJson(res, 401, { error: { message: 'Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, { 'x-request-id': `req_${randomUUID()}` });
    return false;
  }

  private invalid(res: ServerResponse, param: string, message: string): void {
    sendJson(res, 400, { error: { message, type: 'invalid_request_error', param, code: null } }, { 'x-request-id': `req_${randomUUID()}` });
  }

  private async answer(res: ServerResponse, f: Record<string, unknown>): Promise<void> {
    const model = String(f.model ?? 'dall-e-2');
    const family = model.startsWith('dall-e') ? model : 'gpt';
    const size = String(f.size ?? (family === 'gpt' ? 'auto' : '1024x1024'));
    const n = Number(f.n ?? 1);
    if (!SIZES[family]!.includes(size) && !(model === 'gpt-image-2' && /^\d+x\d+$/.test(size))) return this.invalid(res, 'size', `Invalid size '${size}'. Supported sizes are ${SIZES[family]!.join(', ')}.`);
    if (model === 'dall-e-3' && n !== 1) return this.invalid(res, 'n', 'You requested 2 images, but dall-e-3 only supports n=1.');
    if (family === 'gpt' && f.response_format !== undefined) return this.invalid(res, 'response_format', "Unknown parameter: 'response_format'.");
    const headers = { 'x-request-id': `req_${randomUUID()}` };
    if (this.moderateNext > 0) {
      this.moderateNext--;
      const code = family === 'gpt' ? 'moderation_blocked' : 'content_policy_violation';
      return sendJson(res, 400, { error: { message: 'Your request was rejected as a result of our safety system.', type: family === 'gpt' ? 'image_generation_user_error' : 'invalid_request_error', param: null, code } }, headers);
    }
    let count = n;
    if (this.emptyNext > 0) {
      this.emptyNext--;
      count = 0;
    } else if (this.fewerNext > 0) {
      count = Math.max(0, n - this.fewerNext);
      this.fewerNext = 0;
    } else if (this.fewerRate > 0 && n > 1 && Math.random() < this.fewerRate) {
      count = n - 1;
    }
    const [w, h] = (size === 'auto' ? '1024x1024' : size).split('x').map(Number) as [number, number];
    const format = (f.output_format as 'png' | 'jpeg' | 'webp' | undefined) ?? 'png';
    const img = await makeImage(Math.min(w, 64), Math.min(h, 64), { format });
    const wantsUrl = family !== 'gpt' && (f.response_format ?? 'url') === 'url';
    const data = Array.from({ length: count }, () => {
      if (!wantsUrl) return { b64_json: img.toString('base64'), ...(model === 'dall-e-3' ? { revised_prompt: `revised: ${String(f.prompt)}` } : {}) };
      const id = randomUUID();
      this.files.set(id, img);
      return { url: `${this.url}/files/${id}.png`, ...(model === 'dall-e-3' ? { revised_prompt: `revised: ${String(f.prompt)}` } : {}) };
    });
    const body: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data };
    if (family === 'gpt') {
      Object.assign(body, { size: size === 'auto' ? '1024x1024' : size, quality: f.quality && f.quality !== 'auto' ? f.quality : 'medium', output_format: format, background: f.background ?? 'opaque' });
      body.usage = { input_tokens: 50, input_tokens_details: { text_tokens: 40, image_tokens: 10 }, output_tokens: 1056 * count, output_tokens_details: { image_tokens: 1056 * count, text_tokens: 0 }, total_tokens: 50 + 1056 * count };
    }
    sendJson(res, 200, body, headers);
  }

  private async generations(r: RecordedRequest, res: ServerResponse): Promise<void> {
    if (!this.authorized(r, res)) return;
    const f = r.json as Record<string, unknown> | undefined;
    if (!f || typeof f.prompt !== 'string') return this.invalid(res, 'prompt', "Missing required parameter: 'prompt'.");
    await this.answer(res, f);
  }

  private async multipart(r: RecordedRequest, res: ServerResponse, kind: 'edits' | 'variations'): Promise<void> {
    if (!this.authorized(r, res)) return;
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': String(r.headers['content-type']) }, body: new Uint8Array(r.body) }).formData();
    const fields: Record<string, string> = {};
    const files: ReceivedFile[] = [];
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else files.push({ field: name, filename: value.name, type: value.type, bytes: value.size });
    }
    this.lastFiles = files;
    this.lastFields = fields;
    if (!files.some((f) => f.field === 'image' || f.field === 'image[]')) return this.invalid(res, 'image', "Missing required parameter: 'image'.");
    if (kind === 'edits' && !fields.prompt) return this.invalid(res, 'prompt', "Missing required parameter: 'prompt'.");
    await this.answer(res, { ...fields, n: fields.n ? Number(fields.n) : 1 });
  }

  private file(res: ServerResponse, id: string): void {
    const bytes = this.files.get(id);
    if (!bytes) return sendJson(res, 404, { error: { message: 'not found' } });
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length });
    res.end(bytes);
  }
}

export async function startOpenAIFake(): Promise<OpenAIFake> {
  return new OpenAIFake().start();
}
