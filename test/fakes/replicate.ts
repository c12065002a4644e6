/**
 * A fake Replicate (Replicate's HTTP API reference) under `/v1`:
 *
 * - `POST /v1/models/{owner}/{name}/predictions` (official models) and `POST /v1/predictions` with `version`;
 *   `Prefer: wait=N` holds the create call until the prediction ends or the wait is over (`waitHoldMs`
 *   stands for Replicate's N seconds), 201 with the prediction object either way;
 * - `GET /v1/predictions/{id}` walking starting → processing (tqdm bars in `logs`) → terminal by poll count;
 * - `POST /v1/predictions/{id}/cancel` (200 with the prediction; a finished one stays as it is);
 * - output files served by the fake itself (`GET /delivery/{id}/out-{i}.{ext}` → a real image).
 *
 * Bearer auth on every API call (401 problem details), errors in Replicate's problem-details shape
 * `{title, detail, status}` (422 with `invalid_fields`), and each model's input schema written from its API
 * page independently of the adapter's tables, so a wrong table shows up as a 422 from the fake.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

type Json = Record<string, unknown>;

type Rule = { type: 'string'; values?: readonly string[] } | { type: 'integer' | 'number'; min: number; max: number } | { type: 'boolean' } | { type: 'file' };

interface FakeModel {
  inputs: Readonly<Record<string, Rule>>;
  /** The output is one file, not a list. */
  single?: boolean;
  /** Output file extension when output_format is not sent. */
  defaultFormat: string;
}

const FLUX_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
const int = (min: number, max: number): Rule => ({ type: 'integer', min, max });
const num = (min: number, max: number): Rule => ({ type: 'number', min, max });
const str = (values?: readonly string[]): Rule => ({ type: 'string', values });
const bool: Rule = { type: 'boolean' };
const FLUX_BASE = {
  prompt: str(),
  aspect_ratio: str(FLUX_RATIOS),
  seed: int(0, 2 ** 53),
  output_format: str(['webp', 'jpg', 'png']),
  output_quality: int(0, 100),
  disable_safety_checker: bool,
  go_fast: bool,
  megapixels: str(['1', '0.25']),
  num_outputs: int(1, 4),
};

export const FAKE_MODELS: Readonly<Record<string, FakeModel>> = {
  'black-forest-labs/flux-schnell': { inputs: { ...FLUX_BASE, num_inference_steps: int(1, 4) }, defaultFormat: 'webp' },
  'black-forest-labs/flux-dev': {
    inputs: { ...FLUX_BASE, num_inference_steps: int(1, 50), guidance: num(0, 10), image: { type: 'file' }, prompt_strength: num(0, 1) },
    defaultFormat: 'webp',
  },
  'black-forest-labs/flux-1.1-pro': {
    inputs: {
      prompt: str(),
      aspect_ratio: str(['custom', '1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3']),
      width: int(256, 1440),
      height: int(256, 1440),
      image_prompt: { type: 'file' },
      output_format: str(['webp', 'jpg', 'png']),
      output_quality: int(0, 100),
      safety_tolerance: int(1, 6),
      seed: int(0, 2 ** 53),
      prompt_upsampling: bool,
    },
    single: true,
    defaultFormat: 'webp',
  },
  'black-forest-labs/flux-kontext-pro': {
    inputs: {
      prompt: str(),
      input_image: { type: 'file' },
      aspect_ratio: str(['match_input_image', '1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '4:5', '5:4', '21:9', '9:21', '2:1', '1:2']),
      seed: int(0, 2 ** 53),
      output_format: str(['jpg', 'png']),
      safety_tolerance: int(0, 6),
      prompt_upsampling: bool,
    },
    single: true,
    defaultFormat: 'png',
  },
  'recraft-ai/recraft-v3': {
    inputs: {
      prompt: str(),
      size: str([
        '1024x1024',
        '1365x1024',
        '1024x1365',
        '1536x1024',
        '1024x1536',
        '1820x1024',
        '1024x1820',
        '1024x2048',
        '2048x1024',
        '1434x1024',
        '1024x1434',
        '1024x1280',
        '1280x1024',
        '1024x1707',
        '1707x1024',
      ]),
      aspect_ratio: str(['Not set', '1:1', '4:3', '3:4', '3:2', '2:3', '16:9', '9:16', '1:2', '2:1', '7:5', '5:7', '4:5', '5:4', '3:5', '5:3']),
      style: str(),
    },
    single: true,
    defaultFormat: 'webp',
  },
  'ideogram-ai/ideogram-v2': {
    inputs: {
      prompt: str(),
      aspect_ratio: str(['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '16:10', '10:16', '3:1', '1:3']),
      style_type: str(['None', 'Auto', 'General', 'Realistic', 'Design', 'Render 3D', 'Anime']),
      magic_prompt_option: str(['Auto', 'On', 'Off']),
      negative_prompt: str(),
      seed: int(0, 2147483647),
      image: { type: 'file' },
      mask: { type: 'file' },
    },
    single: true,
    defaultFormat: 'png',
  },
};

/** The model a version id runs in this fake (a version route's model). */
export const FAKE_VERSION = 'a'.repeat(64);
const VERSIONS: Record<string, string> = { [FAKE_VERSION]: 'black-forest-labs/flux-schnell' };

export type Outcome =
  | { kind: 'succeed' }
  /** Ends `failed` with this error (the model's message). */
  | { kind: 'fail'; error: string }
  /** The safety checker drops this many of the images. */
  | { kind: 'withhold'; count: number }
  /** Ends `canceled` (as if cancelled on replicate.com). */
  | { kind: 'cancel' }
  /** Ends `aborted` (never started). */
  | { kind: 'abort' }
  /** Replicate forgets the prediction: polls answer 404. */
  | { kind: 'forget' }
  /** Succeeds with the images inline as data URIs. */
  | { kind: 'data-uri' };

export type Status = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

export interface FakePrediction {
  id: string;
  model: string;
  version: string;
  input: Json;
  status: Status;
  logs: string;
  output: string | string[] | null;
  error: string | null;
  outcome: Outcome;
  /** Polls until the prediction ends (0: it ends within the create call's wait). */
  pollsToFinish: number;
  /** Date.now() of each poll. */
  pollTimes: number[];
  /** Held: never ends until release(). */
  held: boolean;
  createdAt: string;
  completedAt?: string;
}

const problem = (status: number, title: string, detail: string, extra: Json = {}) => ({ title, detail, status, ...extra });
const TERMINAL: ReadonlySet<Status> = new Set(['succeeded', 'failed', 'canceled', 'aborted']);
const FILE = /^(https?:\/\/\S+|data:[\w/+.-]+;base64,[A-Za-z0-9+/]+={0,2})$/;

export class ReplicateFake extends HttpFake {
  /** Polls a new prediction takes to end; 0 ends it within a create call that asks to wait. */
  pollsToFinish = 2;
  /** How long a `Prefer: wait` create holds a prediction that does not end within it (stands for N seconds). */
  waitHoldMs = 20;
  /** New predictions are held (never end) until release(). */
  holdNew = false;
  readonly predictions = new Map<string, FakePrediction>();
  private outcomes: Outcome[] = [];

  constructor(readonly apiKey = 'r8_fakeReplicateToken0123456789abcdef') {
    super([]);
    this.routes.push(
      {
        method: 'POST',
        path: /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/,
        handle: (r, res, m) => this.guarded(r, res, () => this.create(r, res, `${m[1]}/${m[2]}`)),
      },
      { method: 'POST', path: /^\/v1\/predictions$/, handle: (r, res) => this.guarded(r, res, () => this.create(r, res, undefined)) },
      { method: 'GET', path: /^\/v1\/predictions\/([^/]+)$/, handle: (r, res, m) => this.guarded(r, res, () => this.get(res, decodeURIComponent(m[1]!))) },
      {
        method: 'POST',
        path: /^\/v1\/predictions\/([^/]+)\/cancel$/,
        handle: (r, res, m) => this.guarded(r, res, () => this.cancel(res, decodeURIComponent(m[1]!))),
      },
      { method: 'GET', path: /^\/delivery\/([\w-]+)\/out-(\d+)\.(webp|png|jpg)$/, handle: (_r, res, m) => this.file(res, m[1]!, m[3]!) },
    );
  }

  override reset(): void {
    super.reset();
    this.pollsToFinish = 2;
    this.waitHoldMs = 20;
    this.holdNew = false;
    this.predictions.clear();
    this.outcomes = [];
  }

  /** The next created prediction ends this way. */
  next(outcome: Outcome): void {
    this.outcomes.push(outcome);
  }

  /** A held prediction may end: its next poll moves it on as usual. */
  release(id: string): void {
    const p = this.predictions.get(id);
    if (p) p.held = false;
  }

  /** The only prediction created so far. */
  solePrediction(): FakePrediction {
    if (this.predictions.size !== 1) throw new Error(`expected one prediction, found ${this.predictions.size}`);
    return [...this.predictions.values()][0]!;
  }

  creates(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && !r.path.endsWith('/cancel'));
  }

  private async guarded(req: RecordedRequest, res: ServerResponse, run: () => void | Promise<void>): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      sendJson(res, 401, problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'));
      return;
    }
    await run();
  }

  private validate(model: FakeModel, input: unknown): Json | { invalid: string; why: string } {
    if (!input || typeof input !== 'object' || Array.isArray(input)) return { invalid: 'input', why: 'Invalid type. Expected: object' };
    const given = input as Json;
    if (typeof given.prompt !== 'string' || given.prompt === '') return { invalid: 'prompt', why: 'prompt is required' };
    for (const [name, value] of Object.entries(given)) {
      const rule = model.inputs[name];
      // Cog ignores unknown inputs; the fake refuses them, so a test notices a field the model does not define.
      if (!rule) return { invalid: name, why: `Additional property ${name} is not allowed` };
      if (rule.type === 'file' && !(typeof value === 'string' && FILE.test(value))) return { invalid: name, why: 'Does not match format "uri"' };
      if (rule.type === 'string' && (typeof value !== 'string' || (rule.values && !rule.values.includes(value)))) {
        return { invalid: name, why: `${name} must be one of the following: ${(rule.values ?? []).map((v) => `"${v}"`).join(', ')}` };
      }
      if ((rule.type === 'integer' || rule.type === 'number') && (typeof value !== 'number' || value < rule.min || value > rule.max)) {
        return { invalid: name, why: `Must be between ${rule.min} and ${rule.max}` };
      }
      if (rule.type === 'integer' && !Number.isInteger(value)) return { invalid: name, why: 'Invalid type. Expected: integer, given: number' };
      if (rule.type === 'boolean' && typeof value !== 'boolean') return { invalid: name, why: 'Invalid type. Expected: boolean' };
    }
    return given;
  }

  private async create(req: RecordedRequest, res: ServerResponse, official: string | undefined): Promise<void> {
    const body = (req.json ?? {}) as Json;
    const version = typeof body.version === 'string' ? body.version : undefined;
    const name = official ?? (version ? VERSIONS[version] : undefined);
    const model = name ? FAKE_MODELS[name] : undefined;
    if (!model || !name) {
      sendJson(res, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
      return;
    }
    if (official && body.version !== undefined) {
      sendJson(res, 422, problem(422, 'Input validation failed', '- version: Additional property version is not allowed'));
      return;
    }
    const checked = this.validate(model, body.input);
    if ('invalid' in checked) {
      const field = `input.${checked.invalid}`;
      sendJson(
        res,
        422,
        problem(422, 'Input validation failed', `- ${field}: ${checked.why}\n`, { invalid_fields: [{ type: 'invalid', field, description: checked.why }] }),
      );
      return;
    }
    const id = randomBytes(13)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')
      .slice(0, 26);
    const p: FakePrediction = {
      id,
      model: name,
      version: version ?? 'hidden',
      input: checked,
      status: 'starting',
      logs: '',
      output: null,
      error: null,
      outcome: this.outcomes.shift() ?? { kind: 'succeed' },
      pollsToFinish: this.pollsToFinish,
      pollTimes: [],
      held: this.holdNew,
      createdAt: new Date().toISOString(),
    };
    this.predictions.set(id, p);
    const wait = /^wait(?:=(\d+))?$/.exec(String(req.headers.prefer ?? ''));
    if (wait) {
      if (p.pollsToFinish === 0 && !p.held) this.finish(p);
      else await new Promise((r) => setTimeout(r, this.waitHoldMs));
    }
    sendJson(res, 201, this.view(p));
  }

  private get(res: ServerResponse, id: string): void {
    const p = this.predictions.get(id);
    if (!p || p.outcome.kind === 'forget') {
      sendJson(res, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
      return;
    }
    p.pollTimes.push(Date.now());
    if (!TERMINAL.has(p.status)) this.advance(p);
    sendJson(res, 200, this.view(p));
  }

  private cancel(res: ServerResponse, id: string): void {
    const p = this.predictions.get(id);
    if (!p) {
      sendJson(res, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
      return;
    }
    if (!TERMINAL.has(p.status)) {
      p.status = 'canceled';
      p.completedAt = new Date().toISOString();
    }
    sendJson(res, 200, this.view(p));
  }

  /** One poll's worth of work: processing with a tqdm bar, then the end once the polls are done. */
  private advance(p: FakePrediction): void {
    const polls = p.pollTimes.length;
    if (!p.held && polls >= p.pollsToFinish) {
      this.finish(p);
      return;
    }
    p.status = 'processing';
    const steps = 4;
    const done = p.held ? Math.min(steps - 1, polls) : Math.min(steps - 1, Math.floor((steps * polls) / Math.max(1, p.pollsToFinish)));
    const bar = '█'.repeat(done * 2).padEnd(steps * 2, ' ');
    p.logs += `${p.logs ? '' : `Using seed: 1234\n`}${String(Math.floor((100 * done) / steps)).padStart(3, ' ')}%|${bar}| ${done}/${steps} [00:0${done}<00:01,  3.90it/s]\n`;
  }

  private finish(p: FakePrediction): void {
    p.completedAt = new Date().toISOString();
    const o = p.outcome;
    if (o.kind === 'fail') {
      p.status = 'failed';
      p.error = o.error;
      return;
    }
    if (o.kind === 'cancel' || o.kind === 'abort') {
      p.status = o.kind === 'cancel' ? 'canceled' : 'aborted';
      return;
    }
    const model = FAKE_MODELS[p.model]!;
    const n = typeof p.input.num_outputs === 'number' ? p.input.num_outputs : 1;
    const kept = o.kind === 'withhold' ? n - o.count : n;
    const ext = typeof p.input.output_format === 'string' ? p.input.output_format : model.defaultFormat;
    const files = Array.from({ length: kept }, (_, i) => `${this.url}/delivery/${p.id}/out-${i}.${ext}`);
    p.status = 'succeeded';
    p.logs += `100%|████████| 4/4 [00:01<00:00,  3.90it/s]\n`;
    if (o.kind === 'data-uri') {
      // A tiny webp stands in for the bytes: the adapter passes data URIs on without decoding them.
      p.output = files.map(() => `data:image/webp;base64,${Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ').toString('base64')}`);
      return;
    }
    p.output = model.single ? (files[0] ?? null) : files;
  }

  private view(p: FakePrediction): Json {
    const api = `${this.url}/v1/predictions/${p.id}`;
    return {
      id: p.id,
      model: p.model,
      version: p.version,
      input: p.input,
      logs: p.logs,
      output: p.output,
      data_removed: false,
      error: p.error,
      status: p.status,
      created_at: p.createdAt,
      ...(p.completedAt ? { completed_at: p.completedAt } : {}),
      urls: { get: api, cancel: `${api}/cancel`, web: `https://replicate.com/p/${p.id}` },
    };
  }

  private async file(res: ServerResponse, id: string, ext: string): Promise<void> {
    const p = this.predictions.get(id);
    if (!p) {
      res.writeHead(404).end();
      return;
    }
    const w = typeof p.input.width === 'number' ? p.input.width : 1024;
    const h = typeof p.input.height === 'number' ? p.input.height : 1024;
    const format = ext === 'jpg' ? 'jpeg' : (ext as 'png' | 'webp');
    const bytes = await makeImage(w, h, { format });
    res.writeHead(200, { 'content-type': `image/${format}`, 'content-length': bytes.length });
    res.end(bytes);
  }
}

export async function startReplicateFake(apiKey?: string): Promise<ReplicateFake> {
  return new ReplicateFake(apiKey).start();
}
