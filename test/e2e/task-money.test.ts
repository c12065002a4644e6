/**
 * A task's money and its state cannot disagree after a crash: the submit's hold and task row are written
 * together, a task's result, settle and terminal state are written together, the sweep refunds a task hold
 * whose task is gone or finished, and an Idempotency-Key claim of a dead instance does not block its retry.
 * Crashes are simulated by a failure between the writes (a transaction makes it equal to a kill) or by the
 * rows a killed process leaves behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import type { TxWork } from '../../src/store/transact.js';
import { newTaskRow, type NewTask } from '../../src/tasks/store.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases, type TestDatabase } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { overlayOf, openaiImageModel } from '../support/overlays.js';
import { pollValue, until } from '../support/wait.js';

const PRICE = 1000;
const OVERLAY = overlayOf(openaiImageModel('paid-image', PRICE, { maxN: 2 }));

describe.each(databases())('task money across crashes on $name', ({ make }) => {
  let fake: OpenAIFake;
  let db: TestDatabase;
  let gw: TestGateway;

  const start = () =>
    startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1`, IMAGEGATE_TASK_LEASE_MS: '1000' },
    });

  beforeAll(async () => {
    fake = await startOpenAIFake();
    db = await make();
    gw = await start();
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });

  const k = () => gw.gateway.db.kysely;
  const holdOf = (id: string) => k().selectFrom('holds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const taskOf = (id: string) => k().selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  const task = (accountId: string, keyId: string, over: Partial<NewTask> = {}): NewTask => ({
    id: newId('task'),
    accountId,
    keyId,
    model: 'paid-image',
    endpoint: '/v1/images/generations',
    job: '{}',
    holdId: null,
    quoted: PRICE,
    callbackUrl: null,
    ...over,
  });
  const holdFor = (accountId: string, keyId: string, owner: string, alongside?: (holdId: string) => TxWork<void>) =>
    gw.gateway.ledger.hold({ accountId, keyId, requestId: 'req_test', model: 'paid-image', amount: PRICE, owner, alongside });

  it('writes neither the hold nor the task row when the submit fails between the two', async () => {
    const { accountId, keyId, key } = await gw.clientKey({ balance: 10 * PRICE });
    const t = task(accountId, keyId);
    const store = gw.gateway.taskStore;
    const crashing = holdFor(accountId, keyId, `task:${t.id}`, function* (holdId) {
      yield* store.insertWork(newTaskRow({ ...t, holdId }));
      throw new Error('process killed here');
    });
    await expect(crashing).rejects.toThrow('process killed here');
    expect(await k().selectFrom('holds').select('id').where('account_id', '=', accountId).execute()).toEqual([]);
    expect(await taskOf(t.id)).toBeUndefined();
    expect(await gw.balance(key)).toMatchObject({ available: 10 * PRICE, held: 0 });
  });

  it('refunds at the sweep a task hold whose task row is missing or terminal, and keeps one whose task still runs', async () => {
    const { accountId, keyId, key } = await gw.clientKey({ balance: 10 * PRICE });
    // What a process killed between hold and task row left behind (before they were one transaction).
    const missing = await holdFor(accountId, keyId, `task:${newId('task')}`);
    const ended = task(accountId, keyId);
    const endedHold = await holdFor(accountId, keyId, `task:${ended.id}`);
    await gw.gateway.taskStore.create({ ...ended, holdId: endedHold.id });
    await k().updateTable('tasks').set({ status: 'failed', finished_at: Date.now() }).where('id', '=', ended.id).execute();
    // Running on another, live-looking worker whose lease has long to go: its hold is that worker's to close.
    const running = task(accountId, keyId);
    const runningHold = await holdFor(accountId, keyId, `task:${running.id}`);
    await gw.gateway.taskStore.create({ ...running, holdId: runningHold.id });
    await k()
      .updateTable('tasks')
      .set({ status: 'running', lease_owner: 'inst_elsewhere', lease_until: Date.now() + 3_600_000 })
      .where('id', '=', running.id)
      .execute();

    // The sweep runs at start.
    await gw.close();
    gw = await start();
    expect((await holdOf(missing.id)).status).toBe('released');
    expect((await holdOf(endedHold.id)).status).toBe('released');
    expect((await holdOf(runningHold.id)).status).toBe('open');
    expect(await gw.balance(key)).toMatchObject({ available: 9 * PRICE, held: PRICE });
  });

  it('never runs again a task whose hold is settled, and does not end it canceled or failed', async () => {
    const { accountId, keyId } = await gw.clientKey({ balance: 10 * PRICE });
    const t = task(accountId, keyId);
    const hold = await holdFor(accountId, keyId, `task:${t.id}`);
    await gw.gateway.taskStore.create({ ...t, holdId: hold.id });
    // Settled by a worker that died before it could finish the task (two writes, as before), lease run out.
    await gw.gateway.ledger.settle(hold, PRICE);
    await k()
      .updateTable('tasks')
      .set({ status: 'running', lease_owner: 'inst_dead', lease_until: Date.now() - 1 })
      .where('id', '=', t.id)
      .execute();
    fake.reset();
    const done = await pollValue(
      () => taskOf(t.id),
      (r) => r?.status !== 'running',
    );
    expect(done?.status).toBe('succeeded');
    expect(fake.requests).toHaveLength(0);
    const closes = await k()
      .selectFrom('ledger')
      .select('kind')
      .where('billing_transaction_id', '=', hold.id)
      .where('kind', 'in', ['settle', 'refund'])
      .execute();
    expect(closes).toEqual([{ kind: 'settle' }]);
  });

  it('leaves the task running and its hold open when its success cannot be written, and settles once when it runs again', async () => {
    const { accountId, keyId } = await gw.clientKey({ balance: 10 * PRICE });
    const t = task(accountId, keyId);
    const hold = await holdFor(accountId, keyId, `task:${t.id}`);
    await gw.gateway.taskStore.create({ ...t, holdId: hold.id });
    await k()
      .updateTable('tasks')
      .set({ status: 'running', lease_owner: 'inst_w', lease_until: Date.now() + 60_000 })
      .where('id', '=', t.id)
      .execute();
    const store = gw.gateway.taskStore;
    // The worker dies inside the transaction that finishes the task: after the task update, before the commit.
    const dying = gw.gateway.ledger.settleAfter(hold, PRICE, function* () {
      const finished = yield* store.finishWithHoldWork(t.id, 'succeeded', { result: '{}' }, 'inst_w');
      if (finished) throw new Error('process killed here');
      return finished;
    });
    await expect(dying).rejects.toThrow('process killed here');
    expect((await holdOf(hold.id)).status).toBe('open');
    expect((await taskOf(t.id))?.status).toBe('running');
    // Another worker, after the lease: settled once, with the task's success.
    const again = await gw.gateway.ledger.settleAfter(hold, PRICE, () => store.finishWithHoldWork(t.id, 'succeeded', { result: '{}' }));
    expect(again).toEqual({ closed: true, charged: PRICE });
    expect((await taskOf(t.id))?.status).toBe('succeeded');
    const settles = await k().selectFrom('ledger').select('kind').where('billing_transaction_id', '=', hold.id).where('kind', '=', 'settle').execute();
    expect(settles).toHaveLength(1);
  });

  it('lets exactly one of a cancel and a finishing worker win, and the hold follows the winner', async () => {
    const { accountId, keyId } = await gw.clientKey({ balance: 100 * PRICE });
    const store = gw.gateway.taskStore;
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = task(accountId, keyId);
      const hold = await holdFor(accountId, keyId, `task:${t.id}`);
      await store.create({ ...t, holdId: hold.id });
      await k()
        .updateTable('tasks')
        .set({ status: 'running', lease_owner: 'inst_w', lease_until: Date.now() + 60_000 })
        .where('id', '=', t.id)
        .execute();
      const row = (await taskOf(t.id))!;
      const finishing = () => gw.gateway.ledger.settleAfter(hold, PRICE, () => store.finishWithHoldWork(t.id, 'succeeded', { result: '{}' }, 'inst_w'));
      const canceling = () => gw.gateway.tasks.cancel(row);
      // Either one sets off first, in turn.
      const [worker, cancel] =
        i % 2 ? await Promise.allSettled([finishing(), canceling()]) : await Promise.allSettled([canceling(), finishing()]).then(([c, w]) => [w, c] as const);
      const workerWon = worker.status === 'fulfilled' && worker.value.closed;
      const cancelWon = cancel.status === 'fulfilled';
      expect(workerWon !== cancelWon, `worker ${JSON.stringify(worker)} cancel ${JSON.stringify(cancel)}`).toBe(true);
      const final = (await taskOf(t.id))!;
      expect({ task: final.status, hold: (await holdOf(hold.id)).status }).toEqual(
        workerWon ? { task: 'succeeded', hold: 'settled' } : { task: 'canceled', hold: 'released' },
      );
      outcomes.push(final.status);
    }
    console.log(
      `[figure] cancel vs finish, 20 races: ${outcomes.filter((s) => s === 'succeeded').length} finished, ${outcomes.filter((s) => s === 'canceled').length} canceled`,
    );
  });

  it('leaves the hold open for the worker that took a task over when the worker that lost its lease gives up', async () => {
    const { accountId, key } = await gw.clientKey({ balance: 10 * PRICE });
    fake.reset();
    fake.knobs.latencyMs = 3_000;
    try {
      const submitted = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'paid-image', prompt: 'p', n: 1 }, { prefer: 'respond-async' });
      expect(submitted.status).toBe(202);
      const id = submitted.body.id as string;
      await until(() => fake.inFlight === 1);
      // This worker stalled past its lease and another one took the task over (what a long pause does).
      await k()
        .updateTable('tasks')
        .set({ lease_owner: 'inst_other', lease_until: Date.now() + 60_000 })
        .where('id', '=', id)
        .execute();
      // Its next lease renewal finds the lease gone and stops the upstream call.
      await until(() => gw.gateway.tasks.running === 0);
      const row = (await taskOf(id))!;
      expect({ status: row.status, owner: row.lease_owner, hold: (await holdOf(row.hold_id!)).status }).toEqual({
        status: 'running',
        owner: 'inst_other',
        hold: 'open',
      });
      expect(await gw.balance(key)).toMatchObject({ available: 9 * PRICE, held: PRICE });
      // The new owner's success still settles it, once.
      const hold = (await gw.gateway.ledger.holdRecord(row.hold_id!))!;
      expect(hold.accountId).toBe(accountId);
      const settled = await gw.gateway.ledger.settleAfter(hold, PRICE, () =>
        gw.gateway.taskStore.finishWithHoldWork(id, 'succeeded', { result: '{}' }, 'inst_other'),
      );
      expect(settled).toEqual({ closed: true, charged: PRICE });
    } finally {
      fake.knobs.latencyMs = 0;
      // The abandoned upstream call ends after its latency; later tests count the fake's calls in flight.
      await until(() => fake.inFlight === 0, 10_000);
    }
  });

  /** Turn a finished claim back into what a process killed mid-request leaves: running, owned by a dead instance. */
  const orphanClaim = (accountId: string, key: string) =>
    k()
      .updateTable('idempotency')
      .set({ status: null, response: null, headers: null, owner: 'inst_dead' })
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .execute();

  it('runs a retry at once when the Idempotency-Key claim belongs to an instance that died', async () => {
    const { accountId, key } = await gw.clientKey({ balance: 10 * PRICE });
    const body = { model: 'paid-image', prompt: 'p', n: 1 };
    const first = await postJson(`${gw.url}/v1/images/generations`, key, body, { 'idempotency-key': 'dead-sync' });
    expect(first.status).toBe(200);
    await orphanClaim(accountId, 'dead-sync');
    const t0 = Date.now();
    const retry = await postJson(`${gw.url}/v1/images/generations`, key, body, { 'idempotency-key': 'dead-sync' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(Date.now() - t0).toBeLessThan(5_000);
    const claim = await k().selectFrom('idempotency').selectAll().where('account_id', '=', accountId).where('key', '=', 'dead-sync').executeTakeFirstOrThrow();
    expect(claim).toMatchObject({ owner: gw.gateway.instanceId, status: 200 });
  });

  it('answers an async retry whose first request died after queuing with that task, holding nothing more', async () => {
    const { accountId, key } = await gw.clientKey({ balance: 10 * PRICE });
    const body = { model: 'paid-image', prompt: 'p', n: 1 };
    const headers = { 'idempotency-key': 'dead-async', prefer: 'respond-async' };
    const first = await postJson(`${gw.url}/v1/images/generations`, key, body, headers);
    expect(first.status).toBe(202);
    await orphanClaim(accountId, 'dead-async');
    const retry = await postJson(`${gw.url}/v1/images/generations`, key, body, headers);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('location')).toBe(`/v1/tasks/${first.body.id}`);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await k().selectFrom('holds').select('id').where('account_id', '=', accountId).execute()).toHaveLength(1);
    expect(await k().selectFrom('tasks').select('id').where('account_id', '=', accountId).execute()).toHaveLength(1);
  });

  it('does not take over the claim of a request still running: the retry waits for its answer', async () => {
    const { accountId, key } = await gw.clientKey({ balance: 10 * PRICE });
    const body = { model: 'paid-image', prompt: 'p', n: 1 };
    fake.reset();
    fake.knobs.latencyMs = 800;
    const first = postJson(`${gw.url}/v1/images/generations`, key, body, { 'idempotency-key': 'live' });
    await until(() => fake.inFlight === 1);
    const retry = await postJson(`${gw.url}/v1/images/generations`, key, body, { 'idempotency-key': 'live' });
    fake.knobs.latencyMs = 0;
    expect((await first).status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(fake.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);
    expect(await k().selectFrom('holds').select('id').where('account_id', '=', accountId).execute()).toHaveLength(1);
  });
});
