/** The ComfyUI adapter against a fake host speaking ComfyUI's server API and websocket, over real HTTP. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ComfyUIAdapter, createComfyUIAdapter } from '../../../src/providers/comfyui/adapter.js';
import type { GatewayError } from '../../../src/domain/errors.js';
import { ComfyUIFake } from '../../fakes/comfyui.js';
import { imageSize } from '../../fakes/images.js';
import { inputImage } from '../builders.js';
import { comfyJob, comfyRoute, ctx, EDIT_BINDINGS, IMAGE_TO_IMAGE } from './job.js';

let fake: ComfyUIFake;
const adapters: ComfyUIAdapter[] = [];
const FAST = { schedule: { initialMs: 20, maxMs: 100 } };

function adapter(opts: Parameters<typeof createComfyUIAdapter>[0] = {}): ComfyUIAdapter {
  const a = createComfyUIAdapter({ ...FAST, ...opts });
  adapters.push(a);
  return a;
}

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
const queued = () => fake.requestsTo('/prompt').filter((r) => r.method === 'POST');
const graphOf = (i = 0) => (queued()[i]!.json as { prompt: Graph }).prompt;

beforeAll(async () => {
  fake = await new ComfyUIFake().start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  for (const a of adapters.splice(0)) a.close();
  fake.reset();
});

describe('ComfyUI: queueing the bound workflow', () => {
  it('queues the template with each bound input set, under the gateway client id, and answers the saved images', async () => {
    const a = adapter({ clientId: 'gw-client' });
    const job = comfyJob({ n: 2, params: { size: '640x384', seed: 42, negative_prompt: 'fog', steps: 4 } });
    const result = await a.generate(job, comfyRoute(fake.url), ctx());

    const sent = queued()[0]!;
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
    expect((sent.json as { client_id: string }).client_id).toBe('gw-client');
    const g = graphOf();
    expect(g['6']!.inputs.text).toBe('a lighthouse at dusk');
    expect(g['7']!.inputs.text).toBe('fog');
    expect(g['3']!.inputs).toMatchObject({ seed: 42, steps: 4, cfg: 8, model: ['4', 0], latent_image: ['5', 0] });
    expect(g['5']!.inputs).toEqual({ width: 640, height: 384, batch_size: 2 });
    expect(g['4']!.inputs.ckpt_name).toBe('sd_xl_base_1.0.safetensors');

    expect(result.images).toHaveLength(2);
    expect(result.failedCount).toBe(0);
    const first = result.images[0]!.payload;
    expect(first.kind).toBe('bytes');
    if (first.kind !== 'bytes') throw new Error('bytes expected');
    expect(first.mime).toBe('image/png');
    expect(await imageSize(first.bytes)).toMatchObject({ width: 640, height: 384 });
    const views = fake.requestsTo('/view');
    expect(views).toHaveLength(2);
    expect(Object.fromEntries(views[0]!.query)).toEqual({ filename: expect.stringMatching(/^imagegate_\d{5}_\.png$/), subfolder: '', type: 'output' });
  });

  it("sends a keyed route's key as a bearer token on every call and on the websocket, for a proxy in front of ComfyUI", async () => {
    const route = comfyRoute(fake.url, { apiKey: 'proxy-secret-123', credential: 'api-key' });
    await adapter().generate(comfyJob(), route, ctx());
    const calls = fake.requests.filter((r) => r.path !== '/ws');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const r of calls) expect(r.headers.authorization).toBe('Bearer proxy-secret-123');
    expect(fake.requestsTo('/ws')[0]!.headers.authorization).toBe('Bearer proxy-secret-123');
  });

  it('draws a fresh seed when the client gives none, so ComfyUI does not answer from its cache', async () => {
    const a = adapter();
    await a.generate(comfyJob(), comfyRoute(fake.url), ctx());
    await a.generate(comfyJob(), comfyRoute(fake.url), ctx());
    const seeds = [graphOf(0)['3']!.inputs.seed, graphOf(1)['3']!.inputs.seed];
    expect(seeds[0]).not.toBe(156680208700286);
    expect(seeds[0]).not.toBe(seeds[1]);
  });

  it('keeps the template size when the client asks for none', async () => {
    await adapter().generate(comfyJob(), comfyRoute(fake.url), ctx());
    expect(graphOf()['5']!.inputs).toEqual({ width: 1024, height: 1024, batch_size: 1 });
  });

  it('uploads the input image to the input folder and binds the name ComfyUI gave it', async () => {
    const route = comfyRoute(fake.url, {}, { workflow: IMAGE_TO_IMAGE, bindings: EDIT_BINDINGS });
    const image = await inputImage('image', 64, 64);
    const job = comfyJob({ operation: 'edit', images: [image], params: { strength: 0.4 } });
    const result = await adapter().generate(job, route, ctx());
    expect(result.images).toHaveLength(1);
    const upload = fake.requestsTo('/upload/image')[0]!;
    expect(upload.method).toBe('POST');
    expect(String(upload.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Request('http://x', {
      method: 'POST',
      headers: { 'content-type': String(upload.headers['content-type']) },
      body: new Uint8Array(upload.body),
    }).formData();
    expect(form.get('type')).toBe('input');
    expect(form.get('overwrite')).toBe('true');
    const file = form.get('image') as File;
    expect(file.name).toBe('imagegate-req_test-image.png');
    expect(Buffer.from(await file.arrayBuffer()).equals(image.bytes)).toBe(true);
    expect(graphOf()['10']!.inputs.image).toBe('imagegate-req_test-image.png');
    expect(graphOf()['3']!.inputs.denoise).toBe(0.4);
  });
});

describe('ComfyUI: masks', () => {
  it('uploads the mask beside the image and binds it to the LoadImageMask node', async () => {
    const graph = JSON.parse(readFileSync(IMAGE_TO_IMAGE, 'utf8'));
    graph['12'] = { class_type: 'LoadImageMask', inputs: { image: 'mask.png', channel: 'alpha' } };
    graph['13'] = { class_type: 'SetLatentNoiseMask', inputs: { samples: ['11', 0], mask: ['12', 0] } };
    graph['3'].inputs.latent_image = ['13', 0];
    const file = join(mkdtempSync(join(tmpdir(), 'comfy-')), 'inpaint.json');
    writeFileSync(file, JSON.stringify(graph));
    const route = comfyRoute(fake.url, {}, { workflow: file, bindings: { ...EDIT_BINDINGS, mask: '12.inputs.image' } });
    const job = comfyJob({ operation: 'edit', images: [await inputImage('image', 32, 32)], mask: await inputImage('mask', 32, 32, { alpha: true }) });
    await adapter().generate(job, route, ctx());
    const names = fake.requestsTo('/upload/image').length;
    expect(names).toBe(2);
    expect([...fake.uploads.keys()].sort()).toEqual(['imagegate-req_test-image.png', 'imagegate-req_test-mask.png']);
    expect(graphOf()['12']!.inputs).toEqual({ image: 'imagegate-req_test-mask.png', channel: 'alpha' });
    expect(graphOf()['10']!.inputs.image).toBe('imagegate-req_test-image.png');
  });
});

describe('ComfyUI: following a prompt', () => {
  it('reports real percentages from the websocket progress, rising to below 100', async () => {
    fake.stepMs = 15;
    const seen: number[] = [];
    await adapter({ clientId: 'progress-client' }).generate(
      comfyJob({ params: { steps: 10 } }),
      comfyRoute(fake.url),
      ctx(10_000, { onProgress: (p) => seen.push(p) }),
    );
    expect(fake.requestsTo('/ws').map((r) => r.query.get('clientId'))).toContain('progress-client');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(Math.max(...seen)).toBeLessThan(100);
    expect(seen.some((p) => p > 0 && p < 90)).toBe(true);
  });

  it('closes its websocket once it follows no prompt: after a job, a failed job, and a refused submit', async () => {
    const a = adapter({ clientId: 'closing-client' });
    await a.generate(comfyJob(), comfyRoute(fake.url), ctx());
    await waitFor(() => fake.socketsOf('closing-client') === 0);
    fake.failNode = { node: '8', type: 'RuntimeError', message: 'boom' };
    await expect(a.generate(comfyJob(), comfyRoute(fake.url), ctx())).rejects.toMatchObject({ status: 502 });
    await waitFor(() => fake.socketsOf('closing-client') === 0);
    fake.models = [];
    fake.knobs.latencyMs = 300; // the socket is up before the refusal comes back
    await expect(a.generate(comfyJob(), comfyRoute(fake.url), ctx())).rejects.toMatchObject({ status: 502 });
    expect(fake.requestsTo('/ws')).toHaveLength(3);
    await waitFor(() => fake.socketsOf('closing-client') === 0);
  });

  it('counts progress without a node (older hosts) for the node being executed, reaching the top', async () => {
    fake.progressWithoutNode = true;
    const seen: number[] = [];
    await adapter().generate(comfyJob({ params: { steps: 10 } }), comfyRoute(fake.url), ctx(10_000, { onProgress: (p) => seen.push(p) }));
    expect(Math.max(...seen)).toBe(99);
  });

  it('has its websocket open before it queues the prompt, so it hears the prompt from the first step', async () => {
    const seen: number[] = [];
    await adapter({ clientId: 'early-client' }).generate(
      comfyJob({ params: { steps: 20 } }),
      comfyRoute(fake.url),
      ctx(10_000, { onProgress: (p) => seen.push(p) }),
    );
    const order = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(order.indexOf('GET /ws')).toBeLessThan(order.indexOf('POST /prompt'));
    expect(seen[0]).toBeLessThanOrEqual(10);
  });

  it('answers moments after the prompt ends when the websocket says so, not at the next scheduled look', async () => {
    const a = adapter({ schedule: { initialMs: 3000, maxMs: 3000 } });
    const result = await a.generate(comfyJob({ params: { steps: 20 } }), comfyRoute(fake.url), ctx());
    expect(Date.now() - fake.finishedAt.get(result.upstreamRequestId!)!).toBeLessThan(500);
  });

  it('follows by /history alone when the websocket is refused', async () => {
    fake.socketRefused = true;
    const result = await adapter().generate(comfyJob(), comfyRoute(fake.url), ctx());
    expect(result.images).toHaveLength(1);
    expect(fake.requestsTo(/^\/history\//).length).toBeGreaterThan(0);
  });

  it('times out as upstream_timeout naming the persisted handle, so a sync request can hand over to a task', async () => {
    fake.hold = true;
    let handle = '';
    const err = (await adapter()
      .generate(comfyJob(), comfyRoute(fake.url), ctx(400, { onUpstreamTask: (h) => void (handle = h) }))
      .catch((e: unknown) => e)) as GatewayError;
    expect(err.code).toBe('upstream_timeout');
    expect(err.details?.upstream_task_id).toBe(handle);
    expect(JSON.parse(handle)).toEqual({ prompt_id: fake.pendingIds[0], client_id: expect.any(String) });
  });

  it('resumes following the persisted prompt after a restart, without queueing it again', async () => {
    fake.hold = true;
    let handle = '';
    const first = new AbortController();
    const before = adapter().generate(
      comfyJob(),
      comfyRoute(fake.url),
      ctx(10_000, {
        signal: first.signal,
        onUpstreamTask: (h) => {
          handle = h;
          first.abort(); // the process dies once the handle is persisted
        },
      }),
    );
    await expect(before).rejects.toMatchObject({ code: 'upstream_error' });
    const seen: number[] = [];
    const after = adapter().resume!(handle, comfyJob(), comfyRoute(fake.url), ctx(10_000, { onProgress: (p) => seen.push(p) }));
    setTimeout(() => fake.release(), 100);
    const result = await after;
    expect(result.images).toHaveLength(1);
    expect(queued()).toHaveLength(1);
    expect(fake.accepted).toHaveLength(1);
    expect(result.upstreamRequestId).toBe(fake.accepted[0]!.id);
  });
});

describe('ComfyUI: cancel', () => {
  it('deletes a prompt that still waits in the queue, interrupting nothing', async () => {
    fake.hold = true;
    let handle = '';
    const a = adapter();
    const call = new AbortController();
    const running = a.generate(comfyJob(), comfyRoute(fake.url), ctx(10_000, { signal: call.signal, onUpstreamTask: (h) => void (handle = h) }));
    await waitFor(() => handle !== '');
    await a.cancel!(handle, comfyRoute(fake.url), new AbortController().signal);
    call.abort();
    await running.catch(() => undefined);
    const del = fake.requestsTo('/queue').find((r) => r.method === 'POST')!;
    expect(del.json).toEqual({ delete: [JSON.parse(handle).prompt_id] });
    expect(fake.pendingIds).toEqual([]);
    expect(fake.requestsTo('/interrupt')).toHaveLength(0);
  });

  it('interrupts the running prompt when it is ours, naming it', async () => {
    fake.stepMs = 200;
    let handle = '';
    const a = adapter();
    const running = a.generate(comfyJob({ params: { steps: 50 } }), comfyRoute(fake.url), ctx(10_000, { onUpstreamTask: (h) => void (handle = h) }));
    await waitFor(() => handle !== '' && fake.runningId === JSON.parse(handle).prompt_id);
    await a.cancel!(handle, comfyRoute(fake.url), new AbortController().signal);
    const err = (await running.catch((e: unknown) => e)) as GatewayError;
    expect(fake.requestsTo('/interrupt')[0]!.json).toEqual({ prompt_id: JSON.parse(handle).prompt_id });
    expect(err.code).toBe('upstream_error');
    expect(err.message).toMatch(/interrupted/);
  });

  it("leaves another client's running prompt alone when ours has finished", async () => {
    const a = adapter();
    let handle = '';
    await a.generate(comfyJob(), comfyRoute(fake.url), ctx(10_000, { onUpstreamTask: (h) => void (handle = h) }));
    await a.cancel!(handle, comfyRoute(fake.url), new AbortController().signal);
    expect(fake.requestsTo('/interrupt')).toHaveLength(0);
    expect(fake.requestsTo('/queue').filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('ComfyUI: queue length', () => {
  it("reports the host's prompts running and waiting from GET /prompt", async () => {
    fake.busy = 3;
    expect(await adapter().queueDepth!(comfyRoute(fake.url), new AbortController().signal)).toBe(3);
    expect(fake.requestsTo('/prompt')[0]!.method).toBe('GET');
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
