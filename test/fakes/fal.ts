/**
 * A fake fal.ai queue (fal's Queue API reference, docs.fal.ai/model-endpoints/queue), written from fal's
 * documentation independently of the adapter's tables:
 *
 * - `POST /{model id}` with `Authorization: Key …` (401 `{"detail": …}` otherwise) for fal-ai/flux/dev,
 *   fal-ai/flux/dev/image-to-image, fal-ai/flux-pro/kontext/multi and fal-ai/recraft/v3/text-to-image, each model's inputs checked (unknown
 *   ones refused with FastAPI's 422 `{"detail": [{loc, msg, type}]}`), answering `{status: "IN_QUEUE",
 *   request_id, response_url, status_url, cancel_url, queue_position}`; the URLs live under the model's app id
 *   (its first two segments), as fal's do;
 * - `GET /{app}/requests/{id}/status[?logs=1]`: IN_QUEUE with queue_position (202), IN_PROGRESS with tqdm
 *   log lines when logs are asked for (202), then COMPLETED (200);
 * - `GET /{app}/requests/{id}`: the output `{images: [{url, width, height, content_type}], seed,
 *   has_nsfw_concepts, prompt}`; 400 while the request runs; a request error `{detail, error_type}` (with
 *   X-Fal-Error-Type) once it was cancelled (499 client_cancelled) or its runner failed (500);
 * - `PUT /{app}/requests/{id}/cancel`: 202 CANCELLATION_REQUESTED, or 400 ALREADY_COMPLETED;
 * - `GET /files/{id}.{ext}`: the images, real ones of the size asked.
 * Unknown request ids are 404. Knobs: queuedPolls / runningPolls (read at submit: hold a request with large
 * ones), nextOutcomes (nsfw flags, a moderated prompt, a failed runner, forget).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

type Json = Record<string, unknown>;
export type FalOutcome = { kind: 'ok' } | { kind: 'nsfw'; flagged: number } | { kind: 'moderated' } | { kind: 'fail' } | { kind: 'forget' };

const SIZES: Record<string, [number, number]> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};
const FLUX = ['prompt', 'num_inference_steps', 'seed', 'guidance_scale', 'num_images', 'enable_safety_checker', 'output_format', 'sync_mode', 'acceleration'];
const MODELS: Record<string, { inputs: string[]; imageRequired?: boolean; imagesRequired?: boolean; defaultSize: string; reportsSize: boolean }> = {
  'fal-ai/flux/dev': { inputs: [...FLUX, 'image_size'], defaultSize: 'landscape_4_3', reportsSize: true },
  'fal-ai/flux/dev/image-to-image': { inputs: [...FLUX, 'image_url', 'strength'], imageRequired: true, defaultSize: 'square', reportsSize: true },
  'fal-ai/flux-pro/kontext/multi': {
    inputs: ['prompt', 'image_urls', 'seed', 'guidance_scale', 'num_images', 'output_format', 'safety_tolerance', 'aspect_ratio'],
    imagesRequired: true,
    defaultSize: 'square_hd',
    reportsSize: true,
  },
  'fal-ai/recraft/v3/text-to-image': {
    inputs: ['prompt', 'image_size', 'style', 'colors', 'style_id', 'enable_safety_checker'],
    defaultSize: 'square_hd',
    reportsSize: false,
  },
};

export interface FalRequest {
  id: string;
  model: string;
  input: Json;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
  n: number;
  queuedPolls: number;
  runningPolls: number;
  polls: number;
  outcome: FalOutcome;
  cancelled: boolean;
}

/** fal's request errors: `{detail, error_type}` with the type in X-Fal-Error-Type too. */
const requestError = (res: ServerResponse, status: number, detail: string, type: string) =>
  sendJson(res, status, { detail, error_type: type }, { 'x-fal-error-type': type });

const invalid = (input: string, msg: string, type = 'value_error') => ({ detail: [{ loc: ['body', input], msg, type }] });

export class FalFake extends HttpFake {
  queuedPolls = 1;
  runningPolls = 1;
  nextOutcomes: FalOutcome[] = [];
  readonly queue = new Map<string, FalRequest>();
  private readonly files = new Map<string, { width: number; height: number; format: 'jpeg' | 'png' }>();

  constructor(readonly apiKey = 'fal-fake-key:0123456789abcdef') {
    super([]);
    this.routes.push(
      { method: 'GET', path: /^\/files\/([\w-]+)\.(jpeg|png)$/, handle: (_req, res, m) => this.file(res, m[1]!) },
      { method: 'GET', path: /^\/([\w.-]+\/[\w.-]+)\/requests\/([\w-]+)\/status$/, handle: (req, res, m) => this.status(req, res, m[2]!) },
      { method: 'PUT', path: /^\/([\w.-]+\/[\w.-]+)\/requests\/([\w-]+)\/cancel$/, handle: (req, res, m) => this.cancel(req, res, m[2]!) },
      { method: 'GET', path: /^\/([\w.-]+\/[\w.-]+)\/requests\/([\w-]+)$/, handle: (req, res, m) => this.output(req, res, m[2]!) },
      { method: 'POST', path: /^\/([\w.-]+(?:\/[\w.-]+)+)$/, handle: (req, res, m) => this.submit(req, res, m[1]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.queuedPolls = 1;
    this.runningPolls = 1;
    this.nextOutcomes = [];
    this.queue.clear();
  }

  get submissions(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  private authorized(req: RecordedRequest, res: ServerResponse): boolean {
    if (req.headers.authorization === `Key ${this.apiKey}`) return true;
    sendJson(res, 401, { detail: 'Cannot access application: authentication failed.' });
    return false;
  }

  private submit(req: RecordedRequest, res: ServerResponse, model: string): void {
    if (!this.authorized(req, res)) return;
    const rule = MODELS[model];
    if (!rule) return sendJson(res, 404, { detail: `Application '${model}' not found` });
    const input = req.json as Json | undefined;
    if (!input || typeof input !== 'object') return sendJson(res, 422, invalid('body', 'Input should be a valid dictionary'));
    for (const k of Object.keys(input))
      if (!rule.inputs.includes(k)) return sendJson(res, 422, invalid(k, 'Extra inputs are not permitted', 'extra_forbidden'));
    if (typeof input.prompt !== 'string' || input.prompt === '') return sendJson(res, 422, invalid('prompt', 'Field required', 'missing'));
    if (rule.imageRequired && (typeof input.image_url !== 'string' || !/^(data:image\/\w+;base64,|https?:)/.test(input.image_url))) {
      return sendJson(res, 422, invalid('image_url', 'Field required', 'missing'));
    }
    if (
      rule.imagesRequired &&
      (!Array.isArray(input.image_urls) ||
        input.image_urls.length === 0 ||
        !input.image_urls.every((u) => typeof u === 'string' && u.startsWith('data:image/')))
    ) {
      return sendJson(res, 422, invalid('image_urls', 'Field required', 'missing'));
    }
    const size = input.image_size ?? rule.defaultSize;
    let dims: [number, number] | undefined;
    if (typeof size === 'string') dims = SIZES[size];
    else if (size && typeof size === 'object') {
      const { width, height } = size as Json;
      if (Number.isInteger(width) && Number.isInteger(height)) dims = [width as number, height as number];
    }
    if (!dims) return sendJson(res, 422, invalid('image_size', 'Input should be a named size or {width, height}'));
    const n = input.num_images ?? 1;
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 4) return sendJson(res, 422, invalid('num_images', 'Input should be between 1 and 4'));
    const format = (input.output_format ?? 'jpeg') as string;
    if (format !== 'jpeg' && format !== 'png') return sendJson(res, 422, invalid('output_format', "Input should be 'jpeg' or 'png'"));
    const id = randomUUID();
    const outcome = this.nextOutcomes.shift() ?? { kind: 'ok' };
    this.queue.set(id, {
      id,
      model,
      input,
      width: dims[0],
      height: dims[1],
      format,
      n: n as number,
      queuedPolls: this.queuedPolls,
      runningPolls: this.runningPolls,
      polls: 0,
      outcome,
      cancelled: false,
    });
    const app = model.split('/').slice(0, 2).join('/');
    const base = `${this.url}/${app}/requests/${id}`;
    sendJson(res, 200, {
      status: 'IN_QUEUE',
      request_id: id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
      queue_position: this.queuedPolls,
    });
  }

  private find(id: string, res: ServerResponse): FalRequest | undefined {
    const r = this.queue.get(id);
    if (!r || r.outcome.kind === 'forget') {
      sendJson(res, 404, { detail: 'Request not found' });
      return undefined;
    }
    return r;
  }

  private stateOf(r: FalRequest): 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' {
    if (r.cancelled || r.polls > r.queuedPolls + r.runningPolls) return 'COMPLETED';
    return r.polls <= r.queuedPolls ? 'IN_QUEUE' : 'IN_PROGRESS';
  }

  private status(req: RecordedRequest, res: ServerResponse, id: string): void {
    if (!this.authorized(req, res)) return;
    const r = this.find(id, res);
    if (!r) return;
    r.polls++;
    const state = this.stateOf(r);
    const logs = req.query.get('logs') === '1';
    const base = `${this.url}${req.path.replace(/\/status$/, '')}`;
    if (state === 'IN_QUEUE') return sendJson(res, 202, { status: state, request_id: id, response_url: base, queue_position: r.queuedPolls - r.polls });
    if (state === 'IN_PROGRESS') {
      const step = r.polls - r.queuedPolls;
      const percent = Math.floor((step * 100) / (r.runningPolls + 1));
      const lines = logs
        ? [
            { message: 'Loading pipeline', level: 'INFO', source: 'USER', timestamp: new Date().toISOString() },
            {
              message: `${String(percent).padStart(3)}%|████      | ${step}/${r.runningPolls + 1} [00:01<00:01]`,
              level: 'STDERR',
              source: 'USER',
              timestamp: new Date().toISOString(),
            },
          ]
        : null;
      return sendJson(res, 202, { status: state, request_id: id, response_url: base, logs: lines });
    }
    sendJson(res, 200, { status: state, request_id: id, response_url: base, logs: logs ? [] : null, metrics: { inference_time: 1.2 } });
  }

  private async output(req: RecordedRequest, res: ServerResponse, id: string): Promise<void> {
    if (!this.authorized(req, res)) return;
    const r = this.find(id, res);
    if (!r) return;
    if (r.cancelled) return requestError(res, 499, 'The request was cancelled by the client.', 'client_cancelled');
    if (this.stateOf(r) !== 'COMPLETED') return sendJson(res, 400, { detail: 'Request is still in progress' });
    if (r.outcome.kind === 'fail') return requestError(res, 500, 'The runner encountered an internal server error.', 'runner_server_error');
    if (r.outcome.kind === 'moderated')
      return sendJson(res, 422, invalid('prompt', 'The prompt was flagged by the content checker', 'content_policy_violation'));
    const flagged = r.outcome.kind === 'nsfw' ? r.outcome.flagged : 0;
    const images = Array.from({ length: r.n }, () => {
      const fileId = randomUUID();
      this.files.set(fileId, { width: r.width, height: r.height, format: r.format });
      const image = { url: `${this.url}/files/${fileId}.${r.format}`, content_type: `image/${r.format}` };
      return MODELS[r.model]!.reportsSize ? { ...image, width: r.width, height: r.height } : { ...image, file_name: `${fileId}.${r.format}` };
    });
    const body: Json = { images, seed: 1234, prompt: r.input.prompt, timings: { inference: 1.2 } };
    if (MODELS[r.model]!.reportsSize) body.has_nsfw_concepts = images.map((_, i) => i < flagged);
    sendJson(res, 200, body);
  }

  private cancel(req: RecordedRequest, res: ServerResponse, id: string): void {
    if (!this.authorized(req, res)) return;
    const r = this.find(id, res);
    if (!r) return;
    if (this.stateOf(r) === 'COMPLETED') return sendJson(res, 400, { status: 'ALREADY_COMPLETED' });
    r.cancelled = true;
    sendJson(res, 202, { status: 'CANCELLATION_REQUESTED' });
  }

  private async file(res: ServerResponse, id: string): Promise<void> {
    const f = this.files.get(id);
    if (!f) return sendJson(res, 404, { detail: 'Not Found' });
    const bytes = await makeImage(f.width, f.height, { format: f.format });
    res.writeHead(200, { 'content-type': `image/${f.format}`, 'content-length': bytes.length });
    res.end(bytes);
  }
}

export async function startFalFake(apiKey?: string): Promise<FalFake> {
  return new FalFake(apiKey).start();
}
