/**
 * Sync → task handover: a synchronous request to a DashScope task model whose upstream task is still running
 * at the model's time limit answers 504 naming an imagegate task; the hold moves to that task, a worker
 * resumes polling the same upstream task, and the images are charged exactly once — or refunded once if the
 * upstream task fails. Against the DashScope fake over real HTTP, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DashScopeFake, startDashScopeFake } from '../fakes/dashscope.js';
import { imageSize } from '../fakes/images.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue as until } from '../support/wait.js';

const START = 1_000_000;
// A DashScope task-protocol model; its price is read from the catalog in beforeAll.
const MODEL = 'wan2.5-t2i-preview';
// Polls at 0, 1 and 2 s (the SDK's backoff) fit in 2.5 s; the fake's task needs 5 polls, so the task that
// takes over finishes it at its second poll, 1.5 s before its own time limit (room for a loaded machine).
const OVERLAY = `
models:
  ${MODEL}: { timeout_ms: 2500 }
`;

describe.each(databases())('sync → task handover on $name', ({ make }) => {
  let fake: DashScopeFake;
  let gw: TestGateway;
  let price = 0;

  beforeAll(async () => {
    fake = await startDashScopeFake();
    const db = await make();
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { DASHSCOPE_API_KEY: fake.apiKey, DASHSCOPE_BASE_URL: fake.baseUrl },
    });
    price = gw.gateway.catalog.resolve(MODEL)!.spec.price.per_image!;
    expect(price).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.pollsToFinish = 5;
  });

  const gen = (key: string, headers: Record<string, string> = {}) =>
    postJson(`${gw.url}/v1/images/generations`, key, { model: MODEL, prompt: 'a lighthouse', n: 1, response_format: 'b64_json' }, headers);
  const getTask = async (key: string, id: string) =>
    (await (await fetch(`${gw.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
  const money = async (accountId: string, txn: string) => {
    const k = gw.gateway.db.kysely;
    const ledger = await k.selectFrom('ledger').selectAll().where('account_id', '=', accountId).execute();
    const balance = (await k.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow()).balance;
    const hold = await k.selectFrom('holds').selectAll().where('id', '=', txn).executeTakeFirstOrThrow();
    return {
      sum: ledger.reduce((s, e) => s + Number(e.amount), 0),
      balance: Number(balance),
      kinds: ledger
        .filter((e) => e.billing_transaction_id === txn)
        .map((e) => e.kind)
        .sort(),
      hold,
    };
  };

  it('answers 504 naming a task that owns the hold; polling it yields the images, charged once, from the same upstream task', async () => {
    const { key, accountId } = await gw.clientKey({ balance: START });
    // The upstream job stays running until the looks below are done, however slow the machine.
    fake.holdTasks = true;
    const res = await gen(key);
    expect(res.status).toBe(504);
    const error = res.body.error;
    expect(error).toMatchObject({ code: 'upstream_timeout', type: 'upstream_error', param: null });
    expect(error.task_id).toMatch(/^task_/);
    expect(error.poll_url).toBe(`${gw.url}/v1/tasks/${error.task_id}`);
    expect(error.message).toContain(`GET /v1/tasks/${error.task_id}`);
    const txn = res.headers.get('x-billing-transaction-id')!;
    expect(txn).toMatch(/^txn_/);

    // Still held, not refunded: the upstream is still making the image.
    expect(await gw.balance(key)).toMatchObject({ available: START - price, held: price });
    const running = await getTask(key, error.task_id);
    expect(running).toMatchObject({ id: error.task_id, status: 'running', model: MODEL });
    expect((await money(accountId, txn)).hold).toMatchObject({ status: 'open', owner: `task:${error.task_id}` });
    fake.holdTasks = false;

    const done = await until(
      () => getTask(key, error.task_id),
      (t) => !['pending', 'running'].includes(t.status),
    );
    expect(done.status).toBe('succeeded');
    expect(done.billing_transaction_id).toBe(txn);
    expect(done.data).toHaveLength(1);
    const img = await fetch(done.data[0].url);
    expect(img.status).toBe(200);
    expect(await imageSize(Buffer.from(await img.arrayBuffer()))).toMatchObject({ width: 1280, height: 1280 });

    // One upstream task, created once and polled to the end across the handover.
    expect(fake.requestsTo(/image-synthesis$/)).toHaveLength(1);
    expect(fake.tasks.size).toBe(1);
    const upstream = [...fake.tasks.values()][0]!;
    expect(upstream.status).toBe('SUCCEEDED');
    expect(upstream.pollTimes).toHaveLength(5);

    const m = await money(accountId, txn);
    expect(m.kinds).toEqual(['hold', 'settle']);
    expect(m.hold).toMatchObject({ status: 'settled', charged: price });
    expect(m.balance).toBe(START - price);
    expect(m.sum).toBe(m.balance);
    expect(await gw.balance(key)).toMatchObject({ available: START - price, held: 0 });
  }, 30_000);

  it('fails the task and refunds the hold exactly once when the upstream task fails after the handover', async () => {
    const { key, accountId } = await gw.clientKey({ balance: START });
    fake.failTaskNext('InternalError.Algo', 'The model failed to render.');
    const res = await gen(key);
    expect(res.status).toBe(504);
    const id = res.body.error.task_id as string;
    const done = await until(
      () => getTask(key, id),
      (t) => !['pending', 'running'].includes(t.status),
    );
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ type: expect.any(String), code: expect.any(String), message: expect.any(String) });
    expect(done.data).toBeUndefined();
    const m = await money(accountId, res.headers.get('x-billing-transaction-id')!);
    expect(m.kinds).toEqual(['hold', 'refund']);
    expect(m.balance).toBe(START);
    expect(m.sum).toBe(m.balance);
    expect(fake.tasks.size).toBe(1);
  }, 30_000);

  it('answers a retry with the same Idempotency-Key with the same 504 and task: no second upstream task, no second hold', async () => {
    const { key, accountId } = await gw.clientKey({ balance: START });
    const first = await gen(key, { 'idempotency-key': 'slow-1' });
    expect(first.status).toBe(504);
    const again = await gen(key, { 'idempotency-key': 'slow-1' });
    expect(again.status).toBe(504);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.error.task_id).toBe(first.body.error.task_id);
    const done = await until(
      () => getTask(key, first.body.error.task_id),
      (t) => !['pending', 'running'].includes(t.status),
    );
    expect(done.status).toBe('succeeded');
    expect(fake.requestsTo(/image-synthesis$/)).toHaveLength(1);
    const holds = await gw.gateway.db.kysely.selectFrom('holds').select('id').where('account_id', '=', accountId).execute();
    expect(holds).toHaveLength(1);
    expect(await gw.balance(key)).toMatchObject({ available: START - price, held: 0 });
  }, 30_000);

  it('still refunds a plain timeout that left no upstream task behind, and creates no task', async () => {
    const { key } = await gw.clientKey({ balance: START });
    // The create call itself outlasts the time limit: no upstream task id was ever returned.
    fake.knobs.latencyMs = 4000;
    const res = await gen(key);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'upstream_error', reason: 'timeout' });
    expect(res.body.error.task_id).toBeUndefined();
    const list = (await (await fetch(`${gw.url}/v1/tasks`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(0);
    expect(await gw.balance(key)).toMatchObject({ available: START, held: 0 });
  }, 30_000);
});
