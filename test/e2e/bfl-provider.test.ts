/**
 * Black Forest Labs through the running gateway, against the BFL fake over real HTTP: a synchronous request
 * with the official openai SDK, an async task whose progress shows BFL's while it runs, the ledger charged
 * once for one upstream submission, and a moderated job refunded.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BflFake, startBflFake } from '../fakes/bfl.js';
import { imageSize } from '../fakes/images.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue } from '../support/wait.js';

describe.each(databases())('Black Forest Labs through the gateway on $name', ({ make }) => {
  let bfl: BflFake;
  let gw: TestGateway;

  beforeAll(async () => {
    bfl = await startBflFake();
    const db = await make();
    // flux-pro-1.1-ultra gets a short time limit, so a held job outlives a synchronous request.
    gw = await startGateway({
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { BFL_API_KEY: bfl.apiKey, BFL_BASE_URL: bfl.url },
      overlay: 'models: { flux-pro-1.1-ultra: { timeout_ms: 2000 } }',
    });
  });
  afterAll(async () => {
    await gw?.close();
    await bfl?.close();
  });
  beforeEach(() => bfl.reset());

  const START = 10_000_000;

  it('generates flux-pro-1.1 synchronously through the openai SDK at the asked size, charged 0.04 once', async () => {
    const { key } = await gw.clientKey({ balance: START });
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const res = await client.images.generate({ model: 'flux-pro-1.1', prompt: 'a paper boat', size: '1440x960' as never, response_format: 'b64_json' });
    expect(await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toMatchObject({ width: 1440, height: 960, format: 'jpeg' });
    expect(bfl.submissions.map((s) => s.json)).toEqual([{ prompt: 'a paper boat', width: 1440, height: 960 }]);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 40_000, held: 0 });
  });

  it("runs an async task whose progress shows BFL's while it runs, one submission, charged once", async () => {
    const { key } = await gw.clientKey({ balance: START });
    bfl.pollsToFinish = 6;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'flux-dev', prompt: 'a fox', size: '512x512' }, { prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const midway = await pollValue(
      () => gw.task(key, id),
      (t) => t.status === 'running' && t.progress > 0,
    );
    expect(midway).toMatchObject({ status: 'running' });
    expect(midway.progress).toBeGreaterThan(0);
    expect(midway.progress).toBeLessThan(100);
    const done = await pollValue(
      () => gw.task(key, id),
      (t) => !['pending', 'running'].includes(t.status),
    );
    expect(done).toMatchObject({ status: 'succeeded', progress: 100 });
    const img = await fetch(done.data[0].url);
    expect(await imageSize(Buffer.from(await img.arrayBuffer()))).toMatchObject({ width: 512, height: 512 });
    expect(bfl.submissions).toHaveLength(1);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 25_000, held: 0 });
  });

  it('answers a moderated output with 400 content_policy_violation and charges nothing', async () => {
    const { key } = await gw.clientKey({ balance: START });
    bfl.nextOutcomes = ['content-moderated'];
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'flux-kontext-max', prompt: 'x', aspect_ratio: '16:9' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'content_policy_violation', param: null });
    expect(bfl.submissions).toHaveLength(1);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START, held: 0 });
  });

  it('hands a synchronous request that outlives its time limit over to a task that follows the same BFL job, charged once', async () => {
    const { key } = await gw.clientKey({ balance: START });
    // Polls at 0, 0.5, 1 and 1.5 s fill the 2 s limit; the task's first two polls then see Pending and Ready.
    bfl.pollsToFinish = 5;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'flux-pro-1.1-ultra', prompt: 'a harbour at dawn', aspect_ratio: '21:9' });
    expect(res.status).toBe(504);
    const taskId = res.body.error.task_id as string;
    expect(taskId).toMatch(/^task_/);
    expect(await gw.balance(key)).toMatchObject({ available: START - 60_000, held: 60_000 });
    const done = await pollValue(
      () => gw.task(key, taskId),
      (t) => !['pending', 'running'].includes(t.status),
    );
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded' });
    expect(bfl.submissions).toHaveLength(1);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 60_000, held: 0 });
  });
});
