/**
 * A fake ComfyUI host speaking its server API (ComfyUI server.py, execution.py; script_examples/
 * websockets_api_example.py):
 * - `POST /prompt` {prompt, client_id} → {prompt_id, number, node_errors}; a workflow that fails validation
 *   → 400 {error: {type, message, details, extra_info}, node_errors: {<node>: {errors: [{type, message,
 *   details, extra_info: {input_name}}], dependent_outputs, class_type}}}. `GET /prompt` → {exec_info:
 *   {queue_remaining}}.
 * - `GET /queue` → {queue_running, queue_pending} of [number, prompt_id, prompt, extra_data, outputs];
 *   `POST /queue` {delete: [ids]}; `POST /interrupt` {prompt_id?} (only that prompt, when it runs).
 * - `GET /history/{id}` → {} or {<id>: {prompt, outputs: {<node>: {images: [{filename, subfolder, type}]}},
 *   status: {status_str, completed, messages}}}, written a moment after the websocket says the prompt ended.
 * - `GET /view?filename=&subfolder=&type=` → the image; `POST /upload/image` (multipart image, type,
 *   overwrite) → {name, subfolder, type}.
 * - `GET /ws?clientId=` websocket: `status` on connect; per prompt, to the socket of its client id,
 *   `execution_start`, `execution_cached`, `executing` {node}, `progress` {value, max, node} per sampling
 *   step, `executed` {node, output}, `executing` {node: null}, `execution_success` | `execution_error` |
 *   `execution_interrupted`.
 *
 * Prompts run one at a time. Sampling nodes (a numeric `steps` input) take `stepMs` per step; SaveImage
 * writes the EmptyLatentImage's batch at its width and height. Knobs: hold (nothing starts until release()),
 * failNode (the next prompt fails at that node with an exception), models (checkpoints the host has),
 * historyLagMs, socketRefused (no websocket), busy (prompts of others counted in the queue), forget() (a
 * restart: queue and history gone).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Graph = Record<string, { class_type: string; inputs: Record<string, Json> }>;

interface QueuedPrompt {
  number: number;
  id: string;
  graph: Graph;
  clientId: string;
  interrupted?: boolean;
}

interface HistoryEntry {
  prompt: Json[];
  outputs: Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: Array<[string, Record<string, Json>]> };
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_SIDE = 16384;

function wsFrame(payload: Buffer, opcode = 0x1): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) head = Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

export class ComfyUIFake extends HttpFake {
  hold = false;
  failNode: { node: string; type: string; message: string } | undefined;
  models = ['sd_xl_base_1.0.safetensors'];
  stepMs = 5;
  historyLagMs = 20;
  socketRefused = false;
  /** Progress messages without `node`, as hosts before mid-2024 send them. */
  progressWithoutNode = false;
  busy = 0;
  /** Prompts submitted, in order (what POST /prompt accepted). */
  readonly accepted: QueuedPrompt[] = [];
  readonly uploads = new Map<string, Buffer>();
  /** When each prompt's history entry was written (ms since epoch): how long a follower took to notice. */
  readonly finishedAt = new Map<string, number>();
  private readonly outputs = new Map<string, Buffer>();
  private pending: QueuedPrompt[] = [];
  private running: QueuedPrompt | undefined;
  private history = new Map<string, HistoryEntry>();
  private readonly clients = new Map<string, Set<Socket>>();
  private number = 0;
  private counter = 0;
  private releaseHold: (() => void) | undefined;

  constructor() {
    super([]);
    this.routes.push(
      { method: 'POST', path: /^\/prompt$/, handle: (req, res) => this.queuePrompt(req, res) },
      { method: 'GET', path: /^\/prompt$/, handle: (_req, res) => sendJson(res, 200, { exec_info: { queue_remaining: this.remaining() } }) },
      { method: 'GET', path: /^\/queue$/, handle: (_req, res) => sendJson(res, 200, this.queueBody()) },
      { method: 'POST', path: /^\/queue$/, handle: (req, res) => this.editQueue(req, res) },
      { method: 'POST', path: /^\/interrupt$/, handle: (req, res) => this.interrupt(req, res) },
      { method: 'GET', path: /^\/history\/([^/]+)$/, handle: (_req, res, m) => this.historyOf(res, decodeURIComponent(m[1]!)) },
      { method: 'GET', path: /^\/view$/, handle: (req, res) => this.view(req, res) },
      { method: 'POST', path: /^\/upload\/image$/, handle: (req, res) => this.upload(req, res) },
    );
  }

  override reset(): void {
    super.reset();
    this.forget();
    this.accepted.length = 0;
    this.uploads.clear();
    this.failNode = undefined;
    this.models = ['sd_xl_base_1.0.safetensors'];
    this.busy = 0;
    this.socketRefused = false;
    this.progressWithoutNode = false;
    this.stepMs = 5;
    this.release();
  }

  /** Lets held prompts run. */
  release(): void {
    this.hold = false;
    this.releaseHold?.();
  }

  /** A restart of the host: ComfyUI keeps its queue and history in memory only. */
  forget(): void {
    if (this.running) this.running.interrupted = true;
    this.running = undefined;
    this.pending = [];
    this.history.clear();
  }

  /** Open websockets of a client id. */
  socketsOf(clientId: string): number {
    return this.clients.get(clientId)?.size ?? 0;
  }

  get runningId(): string | undefined {
    return this.running?.id;
  }

  get pendingIds(): string[] {
    return this.pending.map((p) => p.id);
  }

  override async close(): Promise<void> {
    for (const set of this.clients.values()) for (const s of set) s.destroy();
    this.release();
    await super.close();
  }

  private remaining(): number {
    return this.pending.length + (this.running ? 1 : 0) + this.busy;
  }

  private item(p: QueuedPrompt): Json[] {
    return [p.number, p.id, p.graph as unknown as Json, { client_id: p.clientId }, []];
  }

  private queueBody() {
    return { queue_running: this.running ? [this.item(this.running)] : [], queue_pending: this.pending.map((p) => this.item(p)) };
  }

  /** execution.validate_prompt, the checks this fake knows: outputs exist, checkpoints, sizes, uploaded images. */
  private validate(graph: Graph): { error: Record<string, Json>; node_errors: Record<string, Json> } | undefined {
    const nodeError = (node: string, type: string, message: string, details: string, input: string) => ({
      error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
      node_errors: {
        [node]: { errors: [{ type, message, details, extra_info: { input_name: input } }], dependent_outputs: [], class_type: graph[node]!.class_type },
      },
    });
    if (!Object.values(graph).some((n) => n.class_type === 'SaveImage' || n.class_type === 'PreviewImage')) {
      return { error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, node_errors: {} };
    }
    for (const [id, node] of Object.entries(graph)) {
      const ckpt = node.inputs.ckpt_name;
      if (typeof ckpt === 'string' && !this.models.includes(ckpt)) {
        return nodeError(id, 'value_not_in_list', 'Value not in list', `ckpt_name: '${ckpt}' not in ${JSON.stringify(this.models)}`, 'ckpt_name');
      }
      for (const side of ['width', 'height']) {
        const v = node.inputs[side];
        if (typeof v === 'number' && v > MAX_SIDE) return nodeError(id, 'value_bigger_than_max', 'Value bigger than max', `${side} ${v} > ${MAX_SIDE}`, side);
      }
      if ((node.class_type === 'LoadImage' || node.class_type === 'LoadImageMask') && !this.uploads.has(String(node.inputs.image))) {
        return nodeError(id, 'custom_validation_failed', 'Custom validation failed for node', `Invalid image file: ${String(node.inputs.image)}`, 'image');
      }
    }
    return undefined;
  }

  private queuePrompt(req: RecordedRequest, res: ServerResponse): void {
    const body = req.json as { prompt?: Graph; client_id?: string } | undefined;
    if (!body?.prompt) return sendJson(res, 400, { error: 'no prompt', node_errors: [] });
    const invalid = this.validate(body.prompt);
    if (invalid) return sendJson(res, 400, invalid);
    const p: QueuedPrompt = { number: this.number++, id: randomUUID(), graph: body.prompt, clientId: body.client_id ?? '' };
    this.accepted.push(p);
    this.pending.push(p);
    sendJson(res, 200, { prompt_id: p.id, number: p.number, node_errors: {} });
    this.broadcastStatus();
    void this.work();
  }

  private editQueue(req: RecordedRequest, res: ServerResponse): void {
    const body = req.json as { delete?: string[]; clear?: boolean } | undefined;
    if (body?.clear) this.pending = [];
    for (const id of body?.delete ?? []) this.pending = this.pending.filter((p) => p.id !== id);
    res.writeHead(200).end();
  }

  private interrupt(req: RecordedRequest, res: ServerResponse): void {
    const id = (req.json as { prompt_id?: string } | undefined)?.prompt_id;
    if (this.running && (id === undefined || id === this.running.id)) this.running.interrupted = true;
    res.writeHead(200).end();
  }

  private historyOf(res: ServerResponse, id: string): void {
    const entry = this.history.get(id);
    sendJson(res, 200, entry ? { [id]: entry } : {});
  }

  private view(req: RecordedRequest, res: ServerResponse): void {
    const key = `${req.query.get('type')}/${req.query.get('subfolder') ?? ''}/${req.query.get('filename')}`;
    const bytes = this.outputs.get(key);
    if (!bytes) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length }).end(bytes);
  }

  private async upload(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const form = await new Request('http://fake/upload', {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type']) },
      body: new Uint8Array(req.body),
    }).formData();
    const file = form.get('image');
    if (!(file instanceof File)) return void res.writeHead(400).end();
    const subfolder = String(form.get('subfolder') ?? '');
    const name = file.name;
    this.uploads.set(subfolder ? `${subfolder}/${name}` : name, Buffer.from(await file.arrayBuffer()));
    sendJson(res, 200, { name, subfolder, type: String(form.get('type') ?? 'input') });
  }

  // --- the worker -------------------------------------------------------------------------------------

  private working = false;

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.pending.length) {
        if (this.hold) await new Promise<void>((r) => (this.releaseHold = r));
        const p = this.pending.shift();
        if (!p) break;
        this.running = p;
        await this.execute(p);
        if (this.running === p) this.running = undefined;
        this.broadcastStatus();
      }
    } finally {
      this.working = false;
    }
  }

  private async execute(p: QueuedPrompt): Promise<void> {
    const send = (type: string, data: Record<string, Json>) => this.send(p.clientId, type, { ...data, prompt_id: p.id });
    const messages: HistoryEntry['status']['messages'] = [];
    const note = (type: string, data: Record<string, Json>) => {
      messages.push([type, { ...data, prompt_id: p.id }]);
      send(type, data);
    };
    note('execution_start', { timestamp: Date.now() });
    note('execution_cached', { nodes: [], timestamp: Date.now() });
    const outputs: HistoryEntry['outputs'] = {};
    const fail = this.failNode;
    this.failNode = undefined;
    let status: 'success' | 'error' = 'success';
    for (const [id, node] of Object.entries(p.graph)) {
      if (p.interrupted) break;
      send('executing', { node: id, display_node: id });
      if (fail && fail.node === id) {
        note('execution_error', {
          node_id: id,
          node_type: node.class_type,
          executed: [],
          exception_message: fail.message,
          exception_type: fail.type,
          traceback: ['Traceback (most recent call last):'],
          current_inputs: {},
          current_outputs: {},
        });
        status = 'error';
        break;
      }
      const steps = node.inputs.steps;
      if (typeof steps === 'number') {
        for (let i = 1; i <= steps && !p.interrupted; i++) {
          await new Promise((r) => setTimeout(r, this.stepMs));
          send('progress', this.progressWithoutNode ? { value: i, max: steps } : { value: i, max: steps, node: id });
        }
      }
      if (node.class_type === 'SaveImage' && !p.interrupted) {
        const images = await this.save(p.graph, String(node.inputs.filename_prefix ?? 'ComfyUI'));
        outputs[id] = { images };
        send('executed', { node: id, display_node: id, output: { images } });
      }
    }
    if (p.interrupted) {
      note('execution_interrupted', { node_id: '', node_type: '', executed: [], timestamp: Date.now() });
      status = 'error';
    } else {
      send('executing', { node: null });
      if (status === 'success') note('execution_success', { timestamp: Date.now() });
    }
    if (this.running !== p) return; // forgotten (restart) meanwhile
    await new Promise((r) => setTimeout(r, this.historyLagMs));
    this.history.set(p.id, { prompt: this.item(p), outputs, status: { status_str: status, completed: status === 'success', messages } });
    this.finishedAt.set(p.id, Date.now());
  }

  private async save(graph: Graph, prefix: string) {
    const latent = Object.values(graph).find((n) => n.class_type === 'EmptyLatentImage')?.inputs ?? {};
    const width = Number(latent.width ?? 512);
    const height = Number(latent.height ?? 512);
    const batch = Number(latent.batch_size ?? 1);
    const png = await makeImage(width, height);
    return Array.from({ length: batch }, () => {
      const filename = `${prefix}_${String(++this.counter).padStart(5, '0')}_.png`;
      this.outputs.set(`output//${filename}`, png);
      return { filename, subfolder: '', type: 'output' };
    });
  }

  // --- the websocket ----------------------------------------------------------------------------------

  protected override upgrade(req: IncomingMessage, socket: Socket): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const key = req.headers['sec-websocket-key'];
    if (this.socketRefused || url.pathname !== '/ws' || typeof key !== 'string') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    this.requests.push({ method: 'GET', path: '/ws', query: url.searchParams, headers: req.headers, body: Buffer.alloc(0) });
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const sid = url.searchParams.get('clientId') ?? randomUUID().replace(/-/g, '');
    const set = this.clients.get(sid) ?? new Set<Socket>();
    set.add(socket);
    this.clients.set(sid, set);
    const drop = () => set.delete(socket);
    socket.on('close', drop);
    socket.on('error', drop);
    socket.on('data', (chunk: Buffer) => {
      // A close frame from the client (opcode 8): answer it and end.
      if ((chunk[0]! & 0x0f) === 0x8) {
        socket.end(wsFrame(Buffer.alloc(0), 0x8));
        drop();
      }
    });
    socket.write(wsFrame(Buffer.from(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: this.remaining() } }, sid } }))));
    // A preview (binary frame, event type 1, image type 2 = PNG) that followers must ignore.
    socket.write(wsFrame(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2, 0x89, 0x50]), 0x2));
  }

  private send(clientId: string, type: string, data: Record<string, Json>): void {
    const frame = wsFrame(Buffer.from(JSON.stringify({ type, data })));
    for (const s of this.clients.get(clientId) ?? []) if (!s.destroyed) s.write(frame);
  }

  private broadcastStatus(): void {
    const frame = wsFrame(Buffer.from(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: this.remaining() } } } })));
    for (const set of this.clients.values()) for (const s of set) if (!s.destroyed) s.write(frame);
  }
}
