/**
 * ComfyUI models declared in an IMAGEGATE_CONFIG overlay from the example workflows, served through a running
 * gateway against fake ComfyUI hosts: a sync request through the openai SDK, an async task that reports real
 * progress, a sync request that outlives its deadline handed over to a task, a task cancel reaching the host,
 * two hosts balanced by queue length, and a binding to a missing node stopping the start. The ledger is
 * charged exactly once per image made, and refunded when nothing is.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ComfyUIFake } from '../fakes/comfyui.js';
import { imageSize } from '../fakes/images.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue, until } from '../support/wait.js';

const PER_IMAGE = 3000;
const BALANCE = 1_000_000;
const WORKFLOW = resolve('examples/comfyui/text-to-image.json');

const bindings = `{ prompt: 6.inputs.text, negative_prompt: 7.inputs.text, seed: 3.inputs.seed, steps: 3.inputs.steps, width: 5.inputs.width, height: 5.inputs.height, n: 5.inputs.batch_size }`;
const contract = `
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4, default: 1 }
    sizes: { rule: { multiple_of: 64, min_width: 256, min_height: 256, max_width: 2048, max_height: 2048 } }
    fields:
      negative_prompt: { type: string }
      seed: { type: integer, min: 0 }
      steps: { type: integer, min: 1, max: 80 }
    price: { per_image: ${PER_IMAGE} }`;
const route = (url: string) => `{ provider: comfyui, base_url: "${url}", options: { workflow: "${WORKFLOW}", bindings: ${bindings} } }`;

const overlay = (a: string, b: string) => `
models:
  comfy-sdxl:
    owned_by: me
    routes: [${route(a)}]${contract}
  comfy-slow:
    owned_by: me
    timeout_ms: 1500
    routes: [${route(a)}]${contract}
  comfy-pair:
    owned_by: me
    routes: [${route(a)}, ${route(b)}]${contract}
`;

describe.each(databases())('ComfyUI through the gateway on $name', ({ make }) => {
  let hostA: ComfyUIFake;
  let hostB: ComfyUIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    hostA = await new ComfyUIFake().start();
    hostB = await new ComfyUIFake().start();
    const db = await make();
    gw = await startGateway({ overlay: overlay(hostA.url, hostB.url), databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  });
  afterAll(async () => {
    await gw?.close();
    await hostA?.close();
    await hostB?.close();
  });
  beforeEach(() => {
    hostA.reset();
    hostB.reset();
  });

  const settled = (key: string, id: string) =>
    pollValue(
      () => gw.task(key, id),
      (t) => !['pending', 'running', 'queued'].includes(t.status),
    );
  const spent = async (key: string) => BALANCE - (await gw.balance(key)).available;

  describe('requests', () => {
    it('answers a sync request through the openai SDK with the images of one queued prompt, charged once per image', async () => {
      const { key } = await gw.clientKey({ balance: BALANCE });
      const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const res = await client.images.generate({ model: 'comfy-sdxl', prompt: 'a lighthouse', n: 2, size: '512x768', seed: 7 } as never);
      expect(res.data).toHaveLength(2);
      expect(await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toMatchObject({ width: 512, height: 768, format: 'png' });
      expect(hostA.accepted).toHaveLength(1);
      expect(hostA.accepted[0]!.graph['3']!.inputs.seed).toBe(7);
      // The hold settles once the answer's last byte reached the connection: a moment after the client has it.
      await until(async () => (await gw.balance(key)).held === 0);
      expect(await spent(key)).toBe(2 * PER_IMAGE);
    });

    it('runs an async task whose progress rises through real percentages, then succeeds charged once', async () => {
      hostA.stepMs = 80;
      const { key } = await gw.clientKey({ balance: BALANCE });
      const sent = await postJson(
        `${gw.url}/v1/images/generations`,
        key,
        { model: 'comfy-sdxl', prompt: 'a lighthouse', steps: 40 },
        { prefer: 'respond-async' },
      );
      expect(sent.status).toBe(202);
      const id = sent.body.id as string;
      const seen: number[] = [];
      const done = await pollValue(
        async () => {
          const t = await gw.task(key, id);
          if (typeof t.progress === 'number') seen.push(t.progress);
          return t;
        },
        (t) => !['pending', 'running', 'queued'].includes(t.status),
      );
      expect(done.status).toBe('succeeded');
      expect(done.progress).toBe(100);
      expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(hostA.accepted).toHaveLength(1);
      expect(await spent(key)).toBe(PER_IMAGE);
    }, 30_000);

    it('hands a sync request that outlives its deadline over to a task that follows the same prompt to the end', async () => {
      hostA.hold = true;
      const { key } = await gw.clientKey({ balance: BALANCE });
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'comfy-slow', prompt: 'a lighthouse' });
      expect(res.status).toBe(504);
      const taskId = res.body.error.task_id as string;
      expect(taskId).toMatch(/^task_/);
      expect((await gw.balance(key)).held).toBe(PER_IMAGE);
      hostA.release();
      const done = await settled(key, taskId);
      expect(done.status).toBe('succeeded');
      expect(hostA.accepted).toHaveLength(1);
      expect(await spent(key)).toBe(PER_IMAGE);
      expect((await gw.balance(key)).held).toBe(0);
    }, 30_000);

    it('takes a canceled task out of the host queue and refunds it', async () => {
      hostA.hold = true;
      const { key } = await gw.clientKey({ balance: BALANCE });
      const sent = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'comfy-sdxl', prompt: 'a lighthouse' }, { prefer: 'respond-async' });
      await until(() => hostA.pendingIds.length === 1);
      const promptId = hostA.pendingIds[0]!;
      // The handle is persisted once the prompt is accepted: wait for it, so the cancel knows the prompt.
      await until(async () => (await gw.admin(`/v1/admin/tasks/${sent.body.id}`)).body.upstream_task_id != null);
      const canceled = await postJson(`${gw.url}/v1/tasks/${sent.body.id}/cancel`, key, {});
      expect(canceled.status).toBe(200);
      await until(() => hostA.requestsTo('/queue').some((r) => r.method === 'POST'));
      expect(hostA.requestsTo('/queue').find((r) => r.method === 'POST')!.json).toEqual({ delete: [promptId] });
      expect(hostA.pendingIds).toEqual([]);
      await until(async () => (await gw.balance(key)).held === 0);
      expect(await spent(key)).toBe(0);
    }, 30_000);

    it('sends each request to the host with the shorter queue', async () => {
      const { key } = await gw.clientKey({ balance: BALANCE });
      hostA.busy = 5;
      const first = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'comfy-pair', prompt: 'one' });
      expect(first.status).toBe(200);
      expect(hostB.accepted).toHaveLength(1);
      expect(hostA.accepted).toHaveLength(0);
    });
  });
});

describe('ComfyUI start-up check', () => {
  it('starts with the example catalog file, offering both of its models', async () => {
    const example = await startGateway({ overlay: readFileSync('examples/comfyui/imagegate.yaml', 'utf8'), env: { COMFYUI_URL: 'http://127.0.0.1:9' } });
    try {
      const offered = example.gateway.catalog.list().map((m) => m.id);
      expect(offered).toEqual(expect.arrayContaining(['sdxl-comfy', 'sdxl-comfy-edit']));
      expect(example.gateway.catalog.resolve('sdxl-comfy')!.routes).toHaveLength(2);
    } finally {
      await example.close();
    }
  });

  it('stops the start naming the route when a binding names a node the workflow lacks', async () => {
    const bad = `
models:
  comfy-bad:
    owned_by: me
    routes: [{ provider: comfyui, base_url: "http://127.0.0.1:9", options: { workflow: "${WORKFLOW}", bindings: { prompt: 6.inputs.text, seed: 99.inputs.seed } } }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    fields: { seed: { type: integer } }
`;
    const err = await startGateway({ overlay: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('comfy-bad');
    expect((err as Error).message).toContain('binding seed names node "99", which the workflow lacks');
  });
});
