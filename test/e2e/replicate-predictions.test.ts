/**
 * Replicate through the running gateway, against the Replicate fake over real HTTP: a sync request answered
 * within the create call's wait, one that polls, a safety-checker refusal, an async task that reports the
 * prediction's real progress, a task cancelled through to Replicate, and a sync request that outlives its
 * deadline handed over to a task that follows the same prediction. Each is charged (or refunded) exactly once.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize } from '../fakes/images.js';
import { type ReplicateFake, startReplicateFake } from '../fakes/replicate.js';
import { TaskStore } from '../../src/tasks/store.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue as until } from '../support/wait.js';

const SCHNELL = 'black-forest-labs/flux-schnell';
const PRO = 'black-forest-labs/flux-1.1-pro';
const START = 1_000_000;
// A short time limit for flux-1.1-pro so that a held prediction outlives a sync request.
const OVERLAY = `
models:
  ${PRO}: { timeout_ms: 1500 }
`;

describe.each(databases())('Replicate through the gateway on $name', ({ make }) => {
  let fake: ReplicateFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startReplicateFake();
    const db = await make();
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { REPLICATE_API_TOKEN: fake.apiKey, REPLICATE_BASE_URL: fake.url },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const ledgerKinds = async (accountId: string) => {
    const ledger = await gw.admin(`/v1/admin/ledger?account_id=${accountId}`);
    return (ledger.body.data as Array<{ kind: string }>).map((e) => e.kind).sort();
  };

  it('answers a sync request from the create call (Prefer: wait) through the openai SDK, charging each image once', async () => {
    fake.pollsToFinish = 0;
    const { key, accountId } = await gw.clientKey({ balance: START });
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const res = await client.images.generate({ model: SCHNELL, prompt: 'a lighthouse', n: 2, aspect_ratio: '16:9', response_format: 'b64_json' } as never);
    expect(res.data).toHaveLength(2);
    expect(await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toMatchObject({ format: 'webp' });
    const create = fake.creates()[0]!;
    expect(create.path).toBe(`/v1/models/${SCHNELL}/predictions`);
    expect(create.headers.prefer).toMatch(/^wait=\d+$/);
    expect(create.json).toEqual({ input: { prompt: 'a lighthouse', num_outputs: 2, aspect_ratio: '16:9' } });
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/predictions/'))).toHaveLength(0);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 2 * 3000, held: 0 });
    expect(await ledgerKinds(accountId)).toEqual(['credit', 'hold', 'settle']);
  });

  it('polls a prediction that outlasts the wait and re-hosts its output for a url reply', async () => {
    fake.pollsToFinish = 2;
    const { key } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: PRO, prompt: 'a lighthouse', size: '512x384', response_format: 'url' });
    expect(res.status).toBe(200);
    const img = await fetch(res.body.data[0].url);
    expect(await imageSize(Buffer.from(await img.arrayBuffer()))).toMatchObject({ width: 512, height: 384, format: 'webp' });
    expect(fake.solePrediction().pollTimes).toHaveLength(2);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 40_000, held: 0 });
  });

  it('charges only the images the safety checker let through', async () => {
    fake.pollsToFinish = 0;
    fake.next({ kind: 'withhold', count: 1 });
    const { key } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SCHNELL, prompt: 'a lighthouse', n: 3, response_format: 'url' });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 2 * 3000, held: 0 });
  });

  it("answers the safety checker's refusal with content_policy_violation and charges nothing", async () => {
    fake.pollsToFinish = 0;
    fake.next({ kind: 'fail', error: 'NSFW content detected. Try running it again, or try a different prompt.' });
    const { key } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SCHNELL, prompt: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'content_policy_violation', param: null });
    expect(fake.creates()).toHaveLength(1);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START, held: 0 });
  });

  it("shows an async task's real progress from the prediction's logs, then its images, charged once", async () => {
    fake.holdNew = true;
    const { key, accountId } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SCHNELL, prompt: 'a lighthouse' }, { prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const running = await until(
      () => gw.task(key, res.body.id),
      (t) => t.status === 'running' && t.progress > 0,
    );
    expect(running).toMatchObject({ status: 'running' });
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(100);
    fake.release(fake.solePrediction().id);
    const done = await until(
      () => gw.task(key, res.body.id),
      (t) => t.status === 'succeeded' || t.status === 'failed',
    );
    expect(done).toMatchObject({ status: 'succeeded', progress: 100 });
    expect(done.data).toHaveLength(1);
    expect(fake.creates()).toHaveLength(1);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 3000, held: 0 });
    expect(await ledgerKinds(accountId)).toEqual(['credit', 'hold', 'settle']);
  }, 30_000);

  /** Cancels the task through the gateway, then expects the prediction cancelled upstream once and the hold refunded once. */
  async function cancelAndCheck(key: string, accountId: string, taskId: string, opts: { alreadyCancelled?: boolean } = {}): Promise<void> {
    if (!opts.alreadyCancelled) expect((await postJson(`${gw.url}/v1/tasks/${taskId}/cancel`, key, {})).status).toBe(200);
    const p = fake.solePrediction();
    await until(
      async () => p.status,
      (s) => s === 'canceled',
    );
    expect(fake.requestsTo(`/v1/predictions/${p.id}/cancel`)).toHaveLength(1);
    expect(p.status).toBe('canceled');
    expect((await gw.task(key, taskId)).status).toBe('canceled');
    expect(await gw.settledBalance(key)).toMatchObject({ available: START, held: 0 });
    expect(await ledgerKinds(accountId)).toEqual(['credit', 'hold', 'refund']);
  }

  it('cancels a task through to Replicate (POST /v1/predictions/{id}/cancel) and refunds it once', async () => {
    fake.holdNew = true;
    const { key, accountId } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SCHNELL, prompt: 'a lighthouse' }, { prefer: 'respond-async' });
    const row = () => gw.gateway.db.kysely.selectFrom('tasks').select('upstream_task_id').where('id', '=', res.body.id).executeTakeFirstOrThrow();
    await until(row, (r) => r.upstream_task_id !== null);
    await cancelAndCheck(key, accountId, res.body.id);
  }, 30_000);

  it('cancels the prediction of a task cancelled while its create call was still waiting on Replicate', async () => {
    fake.pollsToFinish = 1;
    fake.waitHoldMs = 1000;
    const { key, accountId } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SCHNELL, prompt: 'a lighthouse' }, { prefer: 'respond-async' });
    await until(
      async () => fake.predictions.size,
      (n) => n === 1,
    );
    await cancelAndCheck(key, accountId, res.body.id);
  }, 30_000);

  it("cancels the prediction of a task cancelled after Replicate answered but before the task stored the prediction's id", async () => {
    fake.holdNew = true;
    // The worker's write of the prediction id waits until the cancel has committed.
    let release!: () => void;
    const cancelled = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const writing = new Promise<void>((r) => (reached = r));
    const setUpstream = TaskStore.prototype.setUpstream;
    TaskStore.prototype.setUpstream = async function (this: TaskStore, ...args: Parameters<TaskStore['setUpstream']>) {
      reached();
      await cancelled;
      return setUpstream.apply(this, args);
    };
    try {
      const { key, accountId } = await gw.clientKey({ balance: START });
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SCHNELL, prompt: 'a lighthouse' }, { prefer: 'respond-async' });
      await writing;
      const cancel = postJson(`${gw.url}/v1/tasks/${res.body.id}/cancel`, key, {});
      await until(
        () => gw.task(key, res.body.id),
        (t) => t.status === 'canceled',
      );
      release();
      expect((await cancel).status).toBe(200);
      await cancelAndCheck(key, accountId, res.body.id, { alreadyCancelled: true });
    } finally {
      TaskStore.prototype.setUpstream = setUpstream;
      release();
    }
  }, 30_000);

  it('hands a sync request that outlives its deadline over to a task following the same prediction, charged once', async () => {
    fake.holdNew = true;
    const { key, accountId } = await gw.clientKey({ balance: START });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: PRO, prompt: 'a lighthouse' });
    expect(res.status).toBe(504);
    const taskId = res.body.error.task_id as string;
    expect(taskId).toMatch(/^task_/);
    const p = fake.solePrediction();
    // The deadline left no time to wait in the create call.
    expect(fake.creates()[0]!.headers.prefer).toBeUndefined();
    fake.release(p.id);
    const done = await until(
      () => gw.task(key, taskId),
      (t) => t.status === 'succeeded' || t.status === 'failed',
    );
    expect(done.status).toBe('succeeded');
    expect(fake.creates()).toHaveLength(1);
    expect(await gw.settledBalance(key)).toMatchObject({ available: START - 40_000, held: 0 });
    expect(await ledgerKinds(accountId)).toEqual(['credit', 'hold', 'settle']);
  }, 30_000);
});
