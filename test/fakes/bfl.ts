/**
 * A fake Black Forest Labs FLUX API (BFL's API reference, docs.bfl.ai/api-reference), written from BFL's
 * documentation independently of the adapter's tables:
 *
 * - `POST /v1/{model}` for flux-pro-1.1, flux-pro-1.1-ultra, flux-dev, flux-kontext-pro, flux-kontext-max,
 *   with the key in `x-key` (403 `{"detail": …}` without it), each model's own fields checked (width and
 *   height multiples of 32 in 256..1440, aspect_ratio between 21:9 and 9:21, Kontext's prompt required),
 *   422 FastAPI-shaped `{"detail": [{loc, msg, type}]}` for a bad one; answers `{id, polling_url}`;
 * - `GET /v1/get_result?id=…` (the polling URL): `Pending` with a `progress` fraction until the job's polls
 *   run out, then its end state: `Ready` with `result.sample`, `Request Moderated`, `Content Moderated`,
 *   `Error`, or `Task not found`;
 * - `GET /delivery/{id}.{jpeg|png}`: the sample, a real image of the requested shape.
 *
 * Knobs: pollsToFinish (read at submit: hold a job with a large number), nextOutcome (fail, moderate,
 * forget), pollingBase (where polling URLs point: another origin for the trust tests).
 * Unknown body fields are refused (assumed: BFL may ignore them) so a test notices a stray field.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

type Json = Record<string, unknown>;
export type BflOutcome = 'ready' | 'request-moderated' | 'content-moderated' | 'error' | 'forget';

const COMMON = ['prompt', 'seed', 'output_format', 'prompt_upsampling', 'safety_tolerance', 'webhook_url', 'webhook_secret'];
const KONTEXT = [...COMMON, 'aspect_ratio', 'input_image', 'input_image_2', 'input_image_3', 'input_image_4'];
const MODELS: Record<string, { fields: string[]; geometry: 'pixels' | 'ratio'; defaultFormat: 'jpeg' | 'png'; promptRequired?: boolean }> = {
  'flux-pro-1.1': { fields: [...COMMON, 'width', 'height', 'image_prompt'], geometry: 'pixels', defaultFormat: 'jpeg' },
  'flux-dev': { fields: [...COMMON, 'width', 'height', 'image_prompt', 'steps', 'guidance'], geometry: 'pixels', defaultFormat: 'jpeg' },
  'flux-pro-1.1-ultra': { fields: [...COMMON, 'aspect_ratio', 'raw', 'image_prompt', 'image_prompt_strength'], geometry: 'ratio', defaultFormat: 'jpeg' },
  'flux-kontext-pro': { fields: KONTEXT, geometry: 'ratio', defaultFormat: 'png', promptRequired: true },
  'flux-kontext-max': { fields: KONTEXT, geometry: 'ratio', defaultFormat: 'png', promptRequired: true },
};

export interface BflJob {
  id: string;
  model: string;
  body: Json;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
  pollsToFinish: number;
  outcome: BflOutcome;
  polls: number;
}

const invalid = (field: string, msg: string) => ({ detail: [{ loc: ['body', field], msg, type: 'value_error' }] });

export class BflFake extends HttpFake {
  /** Polls a job answers Pending before its end state; read at submit. */
  pollsToFinish = 2;
  /** End state of the next submitted jobs, in order (then `ready`). */
  nextOutcomes: BflOutcome[] = [];
  /** Origin the polling URLs point at (the fake itself unless a test says otherwise). */
  pollingBase: string | undefined;
  readonly jobs = new Map<string, BflJob>();

  constructor(readonly apiKey = 'bfl-fake-key-0123456789') {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/v1\/([\w.-]+)$/, handle: (req, res, m) => this.submit(req, res, m[1]!) },
      { method: 'GET', path: /^\/v1\/get_result$/, handle: (req, res) => this.result(req, res) },
      { method: 'GET', path: /^\/delivery\/([\w-]+)\.(jpeg|png)$/, handle: (_req, res, m) => this.delivery(res, m[1]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.pollsToFinish = 2;
    this.nextOutcomes = [];
    this.pollingBase = undefined;
    this.jobs.clear();
  }

  /** The submissions received (POST /v1/{model}). */
  get submissions(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  private submit(req: RecordedRequest, res: ServerResponse, model: string): void {
    if (req.headers['x-key'] !== this.apiKey) return sendJson(res, 403, { detail: 'Not authenticated - Invalid Authentication' });
    const rule = MODELS[model];
    if (!rule) return sendJson(res, 404, { detail: 'Not Found' });
    const body = req.json as Json | undefined;
    if (!body || typeof body !== 'object') return sendJson(res, 422, invalid('body', 'Input should be a valid dictionary'));
    for (const k of Object.keys(body)) if (!rule.fields.includes(k)) return sendJson(res, 422, invalid(k, 'Extra inputs are not permitted'));
    if (rule.promptRequired && (typeof body.prompt !== 'string' || body.prompt === '')) return sendJson(res, 422, invalid('prompt', 'Field required'));
    let width = 1024;
    let height = 768;
    if (rule.geometry === 'pixels') {
      for (const side of ['width', 'height'] as const) {
        const v = body[side];
        if (v === undefined) continue;
        if (typeof v !== 'number' || v % 32 !== 0 || v < 256 || v > 1440) return sendJson(res, 422, invalid(side, 'Must be a multiple of 32 in 256..1440'));
      }
      width = (body.width as number | undefined) ?? 1024;
      height = (body.height as number | undefined) ?? 768;
    } else {
      const ratio = (body.aspect_ratio as string | undefined) ?? (model.startsWith('flux-kontext') ? '1:1' : '16:9');
      const m = /^(\d+):(\d+)$/.exec(ratio);
      const r = m ? Number(m[1]) / Number(m[2]) : 0;
      if (!m || r > 21 / 9 + 1e-9 || r < 9 / 21 - 1e-9) return sendJson(res, 422, invalid('aspect_ratio', 'Aspect ratio must be between 21:9 and 9:21'));
      [width, height] = r >= 1 ? [512, Math.round(512 / r)] : [Math.round(512 * r), 512];
    }
    for (const key of ['input_image', 'input_image_2', 'input_image_3', 'input_image_4']) {
      const v = body[key];
      if (v !== undefined && (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v))) return sendJson(res, 422, invalid(key, 'Invalid base64 image'));
    }
    const format = (body.output_format as string | undefined) ?? rule.defaultFormat;
    if (format !== 'jpeg' && format !== 'png') return sendJson(res, 422, invalid('output_format', "Input should be 'jpeg' or 'png'"));
    const id = randomUUID();
    this.jobs.set(id, { id, model, body, width, height, format, pollsToFinish: this.pollsToFinish, outcome: this.nextOutcomes.shift() ?? 'ready', polls: 0 });
    sendJson(res, 200, { id, polling_url: `${this.pollingBase ?? this.url}/v1/get_result?id=${id}` }, { 'x-request-id': `bfl-${id}` });
  }

  private result(req: RecordedRequest, res: ServerResponse): void {
    if (req.headers['x-key'] !== this.apiKey) return sendJson(res, 403, { detail: 'Not authenticated - Invalid Authentication' });
    const id = req.query.get('id') ?? '';
    const job = this.jobs.get(id);
    if (!job || (job.outcome === 'forget' && job.polls >= job.pollsToFinish)) {
      return sendJson(res, 200, { id, status: 'Task not found', result: null, progress: null, details: null });
    }
    job.polls++;
    if (job.polls <= job.pollsToFinish) {
      return sendJson(res, 200, { id, status: 'Pending', result: null, progress: job.polls / (job.pollsToFinish + 1), details: null });
    }
    switch (job.outcome) {
      case 'request-moderated':
        return sendJson(res, 200, { id, status: 'Request Moderated', result: null, details: { 'Moderation Reasons': ['Derivative Works Filter'] } });
      case 'content-moderated':
        return sendJson(res, 200, { id, status: 'Content Moderated', result: null, details: { 'Moderation Reasons': ['NSFW'] } });
      case 'error':
        return sendJson(res, 200, { id, status: 'Error', result: null, details: { error: 'Generation failed' } });
      default:
        return sendJson(res, 200, {
          id,
          status: 'Ready',
          result: { sample: `${this.url}/delivery/${id}.${job.format}`, prompt: job.body.prompt, seed: 42, start_time: 0, end_time: 1, duration: 1 },
          progress: null,
          details: null,
        });
    }
  }

  private async delivery(res: ServerResponse, id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return sendJson(res, 404, { detail: 'Not Found' });
    const bytes = await makeImage(job.width, job.height, { format: job.format });
    res.writeHead(200, { 'content-type': `image/${job.format}`, 'content-length': bytes.length });
    res.end(bytes);
  }
}

export async function startBflFake(apiKey?: string): Promise<BflFake> {
  return new BflFake(apiKey).start();
}
