/**
 * fal.ai through the running gateway, against the fal fake over real HTTP: a synchronous request with the
 * official openai SDK, an async task whose progress is the runner's progress bar, the ledger charged once
 * for one queued request, and a task cancel that reaches fal's cancel URL and refunds.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FalFake, startFalFake } from '../fakes/fal.js';
import { imageSize } from '../fakes/images.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue } from '../support/wait.js';

describe.each(databases())('fal.ai through the gateway on $name', ({ make }) => {
  let fal: FalFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fal = await startFalFake();
    const db = await make();
    gw = await startGateway({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, env: { FAL_KEY: fal.apiKey, FAL_BASE_URL: fal.url } });
  });
  afterAll(async () => {
    await gw?.close();
    await fal?.close();
  });
  beforeEach(() => fal.reset());

  const START = 10_000_000;

  it('generates fal-flux-dev synchronously through the openai SDK, n images at the asked size, charged per image once', async () => {
    const { key } = await gw.clientKey({ balance: START });
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const res = await client.images.generate({ model: 'fal-flux-dev', prompt: 'a red kite', n: 2, size: '1024x576' as never, response_format: 'b64_json' });
    expect(res.data).toHaveLength(2);
    expect(await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toMatchObject({ width: 1024, height: 576, format: 'jpeg' });
    expect(fal.submissions.map((s) => s.json)).toEqual([{ prompt: 'a red kite', image_size: { width: 1024, height: 576 }, num_images: 2 }]);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 50_000, held: 0 });
  });

  it("runs an async task whose progress is the runner's progress bar, one queued request, charged once", async () => {
    const { key } = await gw.clientKey({ balance: START });
    fal.runningPolls = 6;
    const res = await postJson(
      `${gw.url}/v1/images/generations`,
      key,
      { model: 'fal-recraft-v3', prompt: 'a lighthouse', size: '1024x1024' },
      { prefer: 'respond-async' },
    );
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const midway = await pollValue(
      () => gw.task(key, id),
      (t) => t.status === 'running' && t.progress > 0,
    );
    expect(midway.progress).toBeGreaterThan(0);
    expect(midway.progress).toBeLessThan(100);
    const done = await pollValue(
      () => gw.task(key, id),
      (t) => !['pending', 'running'].includes(t.status),
    );
    expect(done).toMatchObject({ status: 'succeeded', progress: 100 });
    expect(fal.submissions.map((s) => s.json)).toEqual([{ prompt: 'a lighthouse', image_size: 'square_hd' }]);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 40_000, held: 0 });
  });

  it("cancels a queued task: the cancel reaches fal's cancel URL and the hold is refunded", async () => {
    const { key } = await gw.clientKey({ balance: START });
    fal.queuedPolls = 1_000;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'fal-flux-dev', prompt: 'a slow one' }, { prefer: 'respond-async' });
    const id = res.body.id as string;
    await pollValue(
      () => gw.task(key, id),
      () => fal.queue.size === 1,
    );
    const requestId = [...fal.queue.keys()][0]!;
    await pollValue(
      async () => (await gw.gateway.db.kysely.selectFrom('tasks').select('upstream_task_id').where('id', '=', id).executeTakeFirst())?.upstream_task_id,
      (u) => typeof u === 'string',
    );
    const cancel = await postJson(`${gw.url}/v1/tasks/${id}/cancel`, key, {});
    expect(cancel.body.status).toBe('canceled');
    expect(fal.requestsTo(`/fal-ai/flux/requests/${requestId}/cancel`).map((r) => r.method)).toEqual(['PUT']);
    expect(fal.queue.get(requestId)!.cancelled).toBe(true);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START, held: 0 });
  });
});
