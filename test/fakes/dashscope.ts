/**
 * A fake Alibaba DashScope (DashScope API docs) under `/api/v1`, speaking both image protocols:
 *
 * - task API: `POST /services/aigc/text2image/image-synthesis` (and `image2image` for wan2.5-i2i-preview),
 *   `X-DashScope-Async: enable` required (403 AccessDenied without it, as the real service answers), then
 *   `GET /tasks/{id}` walking PENDING → RUNNING → terminal by poll count, `POST /tasks/{id}/cancel`
 *   (PENDING only);
 * - messages API: `POST /services/aigc/multimodal-generation/generation`.
 *
 * Bearer auth on every API call (401 InvalidApiKey), DashScope's error shape `{request_id, code, message}`,
 * result URLs served by the fake itself (`GET /results/<id>.png` → a real PNG of the generated size), and
 * DashScope's default of n = 4 when `n` is absent, so a test can prove the adapter always sends it.
 *
 * The model rules below are written from the API docs independently of the adapter's tables, so a wrong
 * table shows up as a 400 from the fake. Unknown parameters are refused (assumed: the service ignores them)
 * so a test notices the adapter sending a field the model does not define.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { imageSize, makeImage } from './images.js';

type Json = Record<string, unknown>;
type Dims = { w: number; h: number };

type SizeGrammar =
  /** W*H with a total-pixel range and a ratio bound, plus the documented sizes that stray from it. */
  | { kind: 'pixels'; min: number; max: number; ratio: number; listed: string[] }
  /** W*H with each side in a range. */
  | { kind: 'sides'; min: number; max: number }
  | { kind: 'list'; values: string[] }
  /** Tier strings; `withImages` = the tiers allowed when input images are sent. */
  | { kind: 'tiers'; tiers: string[]; withImages: string[] };

interface FakeModel {
  grammar: SizeGrammar;
  /** Size when none is sent (W*H or tier). */
  defaultSize: string;
  minImages: number;
  maxImages: number;
  maxPrompt: number;
  /** n allowed with enable_sequential: true. */
  maxSequentialN?: number;
  /** Model-specific parameters beyond the common ones. */
  extras: string[];
}

const WAN25: SizeGrammar = { kind: 'pixels', min: 1280 * 1280, max: 1440 * 1440, ratio: 4, listed: ['1104*1472', '1472*1104', '960*1696', '1696*960'] };
const WAN22: SizeGrammar = { kind: 'sides', min: 512, max: 1440 };
const QWEN: SizeGrammar = { kind: 'list', values: ['1664*928', '1472*1140', '1328*1328', '1140*1472', '928*1664'] };
const TIER_PX: Record<string, number> = { '1K': 1024, '2K': 2048, '4K': 4096 };

const t2i = (grammar: SizeGrammar, defaultSize: string, maxPrompt: number): FakeModel => ({
  grammar,
  defaultSize,
  minImages: 0,
  maxImages: 0,
  maxPrompt,
  extras: [],
});
const wan27 = (textTiers: string[]): FakeModel => ({
  grammar: { kind: 'tiers', tiers: textTiers, withImages: ['1K', '2K'] },
  defaultSize: '2K',
  minImages: 0,
  maxImages: 9,
  maxPrompt: 5000,
  maxSequentialN: 12,
  extras: ['thinking_mode', 'bbox_list', 'enable_sequential'],
});

const ENDPOINT_MODELS: Record<string, Record<string, FakeModel>> = {
  '/api/v1/services/aigc/text2image/image-synthesis': {
    'wan2.5-t2i-preview': t2i(WAN25, '1280*1280', 2000),
    'wan2.2-t2i-flash': t2i(WAN22, '1024*1024', 800),
    'wan2.2-t2i-plus': t2i(WAN22, '1024*1024', 800),
    'wanx2.1-t2i-turbo': t2i(WAN22, '1024*1024', 800),
    'wanx2.1-t2i-plus': t2i(WAN22, '1024*1024', 800),
    'qwen-image-plus': t2i(QWEN, '1328*1328', 800),
  },
  '/api/v1/services/aigc/image2image/image-synthesis': {
    'wan2.5-i2i-preview': { ...t2i(WAN25, '1280*1280', 2000), minImages: 1, maxImages: 3 },
  },
  '/api/v1/services/aigc/multimodal-generation/generation': {
    'wan2.6-t2i': t2i(WAN25, '1280*1280', 2000),
    'wan2.6-image': { ...t2i(WAN25, '1280*1280', 2000), minImages: 1, maxImages: 4 },
    'wan2.7-image': wan27(['1K', '2K']),
    'wan2.7-image-pro': wan27(['1K', '2K', '4K']),
    'qwen-image-plus': t2i(QWEN, '1328*1328', 800),
    'qwen-image-plus-2026-01-09': t2i(QWEN, '1328*1328', 800),
  },
};

const TASK_PARAMETERS = ['size', 'n', 'seed', 'prompt_extend', 'watermark'];
const MESSAGES_PARAMETERS = [...TASK_PARAMETERS, 'negative_prompt'];
const DATA_URL = /^data:image\/(png|jpeg|jpg|bmp|webp);base64,([A-Za-z0-9+/]+={0,2})$/;

export type TaskOutcome =
  | { kind: 'succeed' }
  | { kind: 'fail'; code: string; message: string }
  | { kind: 'cancel' }
  | { kind: 'unknown' }
  | { kind: 'partial'; failed: number; code: string; message: string };

export interface FakeTask {
  id: string;
  model: string;
  prompt: string;
  promptExtend: boolean;
  n: number;
  size: Dims;
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';
  pollsToFinish: number;
  outcome: TaskOutcome;
  /** Date.now() of each poll, to check the client's backoff. */
  pollTimes: number[];
  submitTime: string;
  endTime?: string;
  resultIds: string[];
}

class Rejection {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}
const invalid = (message: string) => new Rejection(400, 'InvalidParameter', message);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const stamp = (t = Date.now()) => new Date(t).toISOString().replace('T', ' ').replace('Z', '');

export class DashScopeFake extends HttpFake {
  /** Polls a task takes to reach its terminal state (first poll PENDING, then RUNNING); read at create. */
  pollsToFinish = 2;
  /** While true, no task finishes, whatever its polls: a test looks at a job still running, then lets it go. */
  holdTasks = false;
  readonly tasks = new Map<string, FakeTask>();
  /** Effective n and watermark of each accepted generation (after DashScope's defaults). */
  effective: Array<{ n: number; watermark: boolean }> = [];
  private outcomes: TaskOutcome[] = [];
  private inspectionFailures: string[] = [];
  private textOnly = 0;
  private usageTokens: { input_tokens: number; output_tokens: number } | undefined;
  private readonly results = new Map<string, Dims>();

  constructor(readonly apiKey = 'sk-fakedashscope0123456789abcdef') {
    super([]);
    this.routes.push(
      {
        method: 'POST',
        path: /^\/api\/v1\/services\/aigc\/(text2image|image2image)\/image-synthesis$/,
        handle: (r, res) => this.guarded(r, res, () => this.createTask(r, res)),
      },
      {
        method: 'POST',
        path: /^\/api\/v1\/services\/aigc\/multimodal-generation\/generation$/,
        handle: (r, res) => this.guarded(r, res, () => this.messages(r, res)),
      },
      { method: 'GET', path: /^\/api\/v1\/tasks\/([^/]+)$/, handle: (r, res, m) => this.guarded(r, res, () => this.poll(res, decodeURIComponent(m[1]!))) },
      {
        method: 'POST',
        path: /^\/api\/v1\/tasks\/([^/]+)\/cancel$/,
        handle: (r, res, m) => this.guarded(r, res, () => this.cancel(res, decodeURIComponent(m[1]!))),
      },
      { method: 'GET', path: /^\/results\/([\w-]+)\.png$/, handle: (_r, res, m) => this.result(res, m[1]!) },
    );
  }

  /** Base URL for a route: the fake's origin plus `/api/v1`. */
  get baseUrl(): string {
    return `${this.url}/api/v1`;
  }

  override reset(): void {
    super.reset();
    this.pollsToFinish = 2;
    this.holdTasks = false;
    this.tasks.clear();
    this.effective = [];
    this.outcomes = [];
    this.inspectionFailures = [];
    this.textOnly = 0;
    this.usageTokens = undefined;
  }

  /** The next created task ends FAILED with this code and message. */
  failTaskNext(code: string, message: string): void {
    this.outcomes.push({ kind: 'fail', code, message });
  }
  /** The next created task ends CANCELED (as if someone cancelled it upstream). */
  cancelTaskNext(): void {
    this.outcomes.push({ kind: 'cancel' });
  }
  /** The next created task turns UNKNOWN (expired) instead of finishing. */
  unknownTaskNext(): void {
    this.outcomes.push({ kind: 'unknown' });
  }
  /** The next created task SUCCEEDS with its first `failed` result items failed (task_metrics.FAILED = failed). */
  partialFailNext(failed: number, code = 'DataInspectionFailed', message = 'Output data may contain inappropriate content.'): void {
    this.outcomes.push({ kind: 'partial', failed, code, message });
  }
  /** The next generation request (create or messages) is refused by content moderation. */
  inspectionFailNext(message = 'Input data may contain inappropriate content.'): void {
    this.inspectionFailures.push(message);
  }
  /** The next messages reply carries text and no image. */
  textOnlyNext(): void {
    this.textOnly++;
  }
  /** Messages replies report these token counts (image models usually report zeros). */
  reportTokens(input_tokens: number, output_tokens: number): void {
    this.usageTokens = { input_tokens, output_tokens };
  }
  /** The next request is answered with this DashScope error. */
  errorNext(status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    Object.assign(this.knobs, { failNext: 1, failStatus: status, failBody: { request_id: randomUUID(), code, message }, failHeaders: headers });
  }

  /** JSON bodies sent to a path suffix, e.g. `/tasks` or `/multimodal-generation/generation`. */
  bodies(pathEnd: string): Json[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith(pathEnd)).map((r) => r.json as Json);
  }

  private reject(res: ServerResponse, r: Rejection): void {
    sendJson(res, r.status, { request_id: randomUUID(), code: r.code, message: r.message });
  }

  private async guarded(req: RecordedRequest, res: ServerResponse, run: () => void | Promise<void>): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return this.reject(res, new Rejection(401, 'InvalidApiKey', 'Invalid API-key provided.'));
    try {
      await run();
    } catch (e) {
      if (e instanceof Rejection) return this.reject(res, e);
      throw e;
    }
  }

  private modelFor(req: RecordedRequest, body: Json): FakeModel {
    const models = ENDPOINT_MODELS[req.path] ?? {};
    if (typeof body.model !== 'string' || !Object.hasOwn(models, body.model)) throw invalid('Model not exist.');
    return models[body.model]!;
  }

  private async createTask(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.headers['x-dashscope-async'] !== 'enable') throw new Rejection(403, 'AccessDenied', 'current user api does not support synchronous calls');
    const body = this.bodyOf(req);
    const model = this.modelFor(req, body);
    const input = body.input;
    if (!isObject(input)) throw invalid('Field required: input');
    const allowedInput = ['prompt', 'negative_prompt', ...(model.maxImages ? ['images'] : [])];
    for (const k of Object.keys(input)) if (!allowedInput.includes(k)) throw invalid(`input.${k} is not supported by this model.`);
    const prompt = this.checkPrompt(input.prompt, model, 'input.prompt');
    this.checkNegativePrompt(input.negative_prompt, 'input.negative_prompt');
    const images = input.images === undefined ? [] : input.images;
    if (!Array.isArray(images)) throw invalid('input.images must be a list of image URLs.');
    await this.checkImages(images, model);
    const p = this.checkParameters(body.parameters, model, TASK_PARAMETERS, images.length);
    this.moderate();
    const id = randomUUID();
    this.tasks.set(id, {
      id,
      model: body.model as string,
      prompt,
      promptExtend: p.promptExtend,
      n: p.n,
      size: p.size,
      status: 'PENDING',
      pollsToFinish: this.pollsToFinish,
      outcome: this.outcomes.shift() ?? { kind: 'succeed' },
      pollTimes: [],
      submitTime: stamp(),
      resultIds: [],
    });
    sendJson(res, 200, { output: { task_status: 'PENDING', task_id: id }, request_id: randomUUID() });
  }

  private async messages(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = this.bodyOf(req);
    const model = this.modelFor(req, body);
    const input = body.input;
    if (!isObject(input) || !Array.isArray(input.messages)) throw invalid('Field required: input.messages');
    if (input.messages.length !== 1) throw invalid('input.messages must hold exactly one user message.');
    const message = input.messages[0];
    if (!isObject(message) || message.role !== 'user' || !Array.isArray(message.content))
      throw invalid('input.messages[0] must be {"role": "user", "content": [...]}.');
    const texts: unknown[] = [];
    const images: unknown[] = [];
    for (const item of message.content) {
      if (!isObject(item) || Object.keys(item).length !== 1) throw invalid('Each content item must be {"text": ...} or {"image": ...}.');
      if ('text' in item) texts.push(item.text);
      else if ('image' in item) images.push(item.image);
      else throw invalid(`Unknown content item ${Object.keys(item)[0]}.`);
    }
    if (texts.length !== 1) throw invalid(`Exactly one text item is required, got ${texts.length}.`);
    this.checkPrompt(texts[0], model, 'text');
    await this.checkImages(images, model);
    const p = this.checkParameters(body.parameters, model, [...MESSAGES_PARAMETERS, ...model.extras], images.length);
    this.moderate();
    if (this.textOnly > 0) {
      this.textOnly--;
      const choice = { finish_reason: 'stop', message: { role: 'assistant', content: [{ text: 'I can only describe this scene in words.', type: 'text' }] } };
      return sendJson(res, 200, {
        output: { choices: [choice], finished: true },
        usage: { image_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0 },
        request_id: randomUUID(),
      });
    }
    const choices = Array.from({ length: p.n }, () => ({
      finish_reason: 'stop',
      message: { role: 'assistant', content: [{ image: this.publish(p.size), type: 'image' }] },
    }));
    const tokens = this.usageTokens ?? { input_tokens: 0, output_tokens: 0 };
    sendJson(res, 200, {
      output: { choices, finished: true },
      usage: { image_count: p.n, ...tokens, size: `${p.size.w}*${p.size.h}`, total_tokens: tokens.input_tokens + tokens.output_tokens },
      request_id: randomUUID(),
    });
  }

  private poll(res: ServerResponse, id: string): void {
    const task = this.tasks.get(id);
    if (!task) return sendJson(res, 200, { request_id: randomUUID(), output: { task_id: id, task_status: 'UNKNOWN' } });
    task.pollTimes.push(Date.now());
    if (task.status === 'PENDING' || task.status === 'RUNNING') this.advance(task);
    sendJson(res, 200, {
      request_id: randomUUID(),
      output: this.outputOf(task),
      ...(task.status === 'SUCCEEDED' ? { usage: { image_count: task.n - this.failedOf(task) } } : {}),
    });
  }

  private cancel(res: ServerResponse, id: string): void {
    const task = this.tasks.get(id);
    if (task?.status !== 'PENDING') {
      return this.reject(res, new Rejection(400, 'UnsupportedOperation', 'Failed to cancel the task, please confirm if the task is in PENDING status.'));
    }
    task.status = 'CANCELED';
    task.endTime = stamp();
    sendJson(res, 200, { request_id: randomUUID() });
  }

  private async result(res: ServerResponse, id: string): Promise<void> {
    const dims = this.results.get(id);
    if (!dims) return sendJson(res, 404, { code: 'NoSuchKey', message: 'The specified key does not exist.' });
    const png = await makeImage(dims.w, dims.h);
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
    res.end(png);
  }

  private advance(task: FakeTask): void {
    const polls = task.pollTimes.length;
    if (polls < task.pollsToFinish || this.holdTasks) {
      task.status = polls <= 1 ? 'PENDING' : 'RUNNING';
      return;
    }
    const terminal = { succeed: 'SUCCEEDED', partial: 'SUCCEEDED', fail: 'FAILED', cancel: 'CANCELED', unknown: 'UNKNOWN' } as const;
    task.status = terminal[task.outcome.kind];
    task.endTime = stamp();
    if (task.status === 'SUCCEEDED') task.resultIds = Array.from({ length: task.n - this.failedOf(task) }, () => this.register(task.size));
  }

  private failedOf(task: FakeTask): number {
    return task.outcome.kind === 'partial' ? Math.min(task.outcome.failed, task.n) : 0;
  }

  private outputOf(task: FakeTask): Json {
    const base: Json = { task_id: task.id, task_status: task.status, submit_time: task.submitTime };
    if (task.status === 'PENDING') return base;
    if (task.status === 'UNKNOWN') return { task_id: task.id, task_status: 'UNKNOWN' };
    const timed = { ...base, scheduled_time: task.submitTime, ...(task.endTime ? { end_time: task.endTime } : {}) };
    if (task.status === 'RUNNING' || task.status === 'CANCELED') return timed;
    if (task.outcome.kind === 'fail') return { ...timed, code: task.outcome.code, message: task.outcome.message };
    const failed = this.failedOf(task);
    const outcome = task.outcome;
    const failures = Array.from({ length: failed }, () => (outcome.kind === 'partial' ? { code: outcome.code, message: outcome.message } : {}));
    const actual = task.promptExtend ? { actual_prompt: `${task.prompt}, soft volumetric light, highly detailed` } : {};
    const succeeded = task.resultIds.map((id) => ({
      orig_prompt: task.prompt,
      ...actual,
      url: `${this.url}/results/${id}.png?Expires=1999999999&Signature=fake`,
    }));
    return { ...timed, results: [...failures, ...succeeded], task_metrics: { TOTAL: task.n, SUCCEEDED: task.n - failed, FAILED: failed } };
  }

  private register(size: Dims): string {
    const id = randomUUID();
    this.results.set(id, size);
    return id;
  }

  private publish(size: Dims): string {
    return `${this.url}/results/${this.register(size)}.png?Expires=1999999999&OSSAccessKeyId=fake&Signature=fake`;
  }

  private moderate(): void {
    const message = this.inspectionFailures.shift();
    if (message !== undefined) throw new Rejection(400, 'DataInspectionFailed', message);
  }

  private bodyOf(req: RecordedRequest): Json {
    if (!isObject(req.json)) throw invalid('The request body is not valid JSON.');
    return req.json;
  }

  private checkPrompt(prompt: unknown, model: FakeModel, field: string): string {
    if (typeof prompt !== 'string' || prompt === '') throw invalid(`Field required: ${field}`);
    if (prompt.length > model.maxPrompt) throw invalid(`${field} is longer than ${model.maxPrompt} characters.`);
    return prompt;
  }

  private checkNegativePrompt(value: unknown, field: string): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || value.length > 500) throw invalid(`${field} must be a string of at most 500 characters.`);
  }

  private async checkImages(images: unknown[], model: FakeModel): Promise<void> {
    if (images.length < model.minImages || images.length > model.maxImages) {
      throw invalid(`This model takes ${model.minImages}–${model.maxImages} input images, got ${images.length}.`);
    }
    for (const image of images) {
      if (typeof image !== 'string') throw invalid('Each image must be a URL or a data URL string.');
      if (/^https?:\/\//.test(image)) continue; // the real service downloads it; the fake cannot reach the internet
      const m = DATA_URL.exec(image);
      if (!m) throw invalid('The image format is not supported: use an http(s) URL or data:image/<png|jpeg|bmp|webp>;base64,...');
      const bytes = Buffer.from(m[2]!, 'base64');
      if (bytes.length > 10 * 1024 * 1024) throw new Rejection(413, 'BadRequest.TooLarge', 'Payload Too Large');
      const { width, height } = await imageSize(bytes).catch(() => {
        throw invalid('The image could not be decoded.');
      });
      if (Math.min(width, height) < 240 || Math.max(width, height) > 8000) throw invalid(`The image size ${width}x${height} is out of the range 240–8000 px.`);
    }
  }

  private checkParameters(raw: unknown, model: FakeModel, allowed: string[], imageCount: number): { n: number; size: Dims; promptExtend: boolean } {
    const p = raw === undefined ? {} : raw;
    if (!isObject(p)) throw invalid('parameters must be an object.');
    for (const k of Object.keys(p)) if (!allowed.includes(k)) throw invalid(`parameters.${k} is not supported by this model.`);
    const maxN = p.enable_sequential === true && model.maxSequentialN ? model.maxSequentialN : 4;
    const n = p.n ?? 4; // DashScope's own default
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxN) throw invalid(`parameters.n must be an integer in [1, ${maxN}].`);
    if (p.seed !== undefined && (typeof p.seed !== 'number' || !Number.isInteger(p.seed) || p.seed < 0 || p.seed > 2147483647)) {
      throw invalid('parameters.seed must be an integer in [0, 2147483647].');
    }
    for (const k of ['prompt_extend', 'watermark', 'thinking_mode', 'enable_sequential']) {
      if (p[k] !== undefined && typeof p[k] !== 'boolean') throw invalid(`parameters.${k} must be a boolean.`);
    }
    if (p.bbox_list !== undefined && !Array.isArray(p.bbox_list)) throw invalid('parameters.bbox_list must be a list.');
    this.checkNegativePrompt(p.negative_prompt, 'parameters.negative_prompt');
    const size = p.size ?? model.defaultSize;
    if (typeof size !== 'string') throw invalid('parameters.size must be a string.');
    const dims = sizeOf(size, model.grammar, imageCount);
    this.effective.push({ n, watermark: (p.watermark as boolean | undefined) ?? false });
    return { n, size: dims, promptExtend: (p.prompt_extend as boolean | undefined) ?? true };
  }
}

/** The size a request asks for under the model's grammar, or a 400 like DashScope's. */
function sizeOf(size: string, grammar: SizeGrammar, imageCount: number): Dims {
  const bad = () => invalid(`The size ${size} is not supported by this model.`);
  if (grammar.kind === 'tiers') {
    const tiers = imageCount ? grammar.withImages : grammar.tiers;
    if (!tiers.includes(size)) throw bad();
    return { w: TIER_PX[size]!, h: TIER_PX[size]! };
  }
  const m = /^([1-9]\d*)\*([1-9]\d*)$/.exec(size);
  if (!m) throw bad();
  const d = { w: Number(m[1]), h: Number(m[2]) };
  const ok =
    grammar.kind === 'list'
      ? grammar.values.includes(size)
      : grammar.kind === 'sides'
        ? [d.w, d.h].every((s) => s >= grammar.min && s <= grammar.max)
        : grammar.listed.includes(size) || (d.w * d.h >= grammar.min && d.w * d.h <= grammar.max && Math.max(d.w, d.h) / Math.min(d.w, d.h) <= grammar.ratio);
  if (!ok) throw bad();
  return d;
}

export async function startDashScopeFake(apiKey?: string): Promise<DashScopeFake> {
  return new DashScopeFake(apiKey).start();
}
