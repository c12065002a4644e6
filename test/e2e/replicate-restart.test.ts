/**
 * A gateway process killed (SIGKILL) while a task follows a Replicate prediction: the next process on the same
 * database follows the same prediction to its end (no second create, so Replicate is paid once) and charges the
 * task exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { type ReplicateFake, startReplicateFake } from '../fakes/replicate.js';
import { databases } from '../support/databases.js';
import { freePort, fundedKey, processEnv, startGatewayProcess } from '../support/process.js';
import { pollValue as until } from '../support/wait.js';

const SCHNELL = 'black-forest-labs/flux-schnell';
const PRICE = 3000;

describe.each(databases())('Replicate task across a SIGKILL on $name', ({ make }) => {
  let fake: ReplicateFake;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startReplicateFake();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await fake?.close();
  });

  it('follows the same prediction after a restart: one create, one charge', async () => {
    const db = await make();
    const env = processEnv({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      overlay: 'models: {}\n',
      openaiUrl: fake.url,
      extra: {
        REPLICATE_API_TOKEN: fake.apiKey,
        REPLICATE_BASE_URL: fake.url,
        IMAGEGATE_TASK_LEASE_MS: '1500',
        IMAGEGATE_INSTANCE_STALE_MS: '1500',
      },
    });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await startGatewayProcess(env, port);
    const START = 1_000_000;
    const { key, accountId } = await fundedKey(base, 'restart', START);
    const getTask = async (id: string) => (await (await fetch(`${base}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;

    fake.holdNew = true;
    const res = await fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ model: SCHNELL, prompt: 'a lighthouse' }),
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { id: string }).id;
    // Killed once the prediction's id is stored and the task is following it.
    const store = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    try {
      const row = await until(
        () => store.kysely.selectFrom('tasks').select(['upstream_task_id', 'status']).where('id', '=', taskId).executeTakeFirstOrThrow(),
        (r) => r.upstream_task_id !== null,
      );
      expect(row.upstream_task_id).toBe(fake.solePrediction().id);
      await until(
        async () => fake.solePrediction().pollTimes.length,
        (n) => n >= 1,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      const pollsBefore = fake.solePrediction().pollTimes.length;
      fake.release(fake.solePrediction().id);

      child = await startGatewayProcess(env, port);
      const done = await until(
        () => getTask(taskId),
        (t) => !['pending', 'running'].includes(t.status),
        60_000,
      );
      expect(done.status).toBe('succeeded');
      expect(done.data).toHaveLength(1);
      expect(fake.creates()).toHaveLength(1);
      expect(fake.solePrediction().pollTimes.length).toBeGreaterThan(pollsBefore);

      const ledger = await store.kysely.selectFrom('ledger').select(['kind', 'amount']).where('account_id', '=', accountId).execute();
      expect(ledger.map((e) => e.kind).sort()).toEqual(['credit', 'hold', 'settle']);
      const balance = await store.kysely.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow();
      expect(Number(balance.balance)).toBe(START - PRICE);
    } finally {
      await store.close();
    }
  }, 120_000);
});
