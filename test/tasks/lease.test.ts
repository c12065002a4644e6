/**
 * TaskStore.lease: which tasks a worker may take. Oldest first, within each account's cap, expired leases
 * included, and an account at its cap at the head of a large backlog does not hide other accounts' tasks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { type NewTask, newTaskRow, TaskStore } from '../../src/tasks/store.js';
import { databases } from '../support/databases.js';

describe.each(databases())('task leasing on $name', ({ make }) => {
  let db: Db;
  let store: TaskStore;
  let seq = 0;

  beforeAll(async () => {
    const t = await make();
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    store = new TaskStore(db);
  });
  afterAll(async () => db.close());

  async function account(): Promise<string> {
    const id = `acct_l${++seq}`;
    await db.kysely.insertInto('accounts').values({ id, name: id, balance: 0, created_at: Date.now() }).execute();
    return id;
  }

  const task = (accountId: string, id = `task_l${++seq}`): NewTask => ({
    id,
    accountId,
    keyId: null,
    model: 'm',
    endpoint: '/v1/images/generations',
    job: '{}',
    holdId: null,
    quoted: 0,
    callbackUrl: null,
  });

  /** Tasks created in order, each with a distinct creation time, so "oldest" is unambiguous. */
  async function queue(accountId: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const row = await store.create(task(accountId));
      await db.kysely
        .updateTable('tasks')
        .set({ created_at: 1_000_000 + seq })
        .where('id', '=', row.id)
        .execute();
      ids.push(row.id);
    }
    return ids;
  }

  async function clearQueue(): Promise<void> {
    await db.kysely.updateTable('tasks').set({ status: 'succeeded', lease_until: null }).where('status', 'in', ['pending', 'running']).execute();
  }

  it("takes another account's task when the account heading a 2000-task backlog is at its cap", async () => {
    await clearQueue();
    const big = await account();
    const other = await account();
    const bigIds: string[] = [];
    for (let i = 0; i < 2000; i += 200) {
      const batch = Array.from({ length: 200 }, () => task(big));
      await db.kysely
        .insertInto('tasks')
        .values(batch.map((t, j) => ({ ...newTaskRow(t), created_at: 1000 + i + j })))
        .execute();
      bigIds.push(...batch.map((t) => t.id));
    }
    const [otherId] = await queue(other, 1);
    const first = await store.lease('inst_a', 10, 60_000, 2);
    expect(first.map((r) => r.id).sort()).toEqual([bigIds[0], bigIds[1], otherId].sort());
    expect(await store.lease('inst_a', 10, 60_000, 2)).toEqual([]);
  });

  it('never runs more than the cap of one account across lease calls, oldest first', async () => {
    await clearQueue();
    const a = await account();
    const ids = await queue(a, 5);
    expect((await store.lease('inst_a', 1, 60_000, 3)).map((r) => r.id)).toEqual([ids[0]]);
    expect((await store.lease('inst_b', 10, 60_000, 3)).map((r) => r.id)).toEqual([ids[1], ids[2]]);
    expect(await store.lease('inst_a', 10, 60_000, 3)).toEqual([]);
  });

  it('takes over tasks whose lease ran out, within the cap and before newer pending ones', async () => {
    await clearQueue();
    const a = await account();
    const ids = await queue(a, 4);
    const now = Date.now();
    expect(await store.lease('inst_dead', 2, 1_000, 2, now)).toHaveLength(2);
    // Later than the dead worker's lease: its two tasks are runnable again and come before the pending ones.
    const later = now + 5_000;
    expect((await store.lease('inst_live', 10, 60_000, 2, later)).map((r) => r.id)).toEqual([ids[0], ids[1]]);
    expect(await store.lease('inst_live', 10, 60_000, 2, later)).toEqual([]);
  });

  it('takes the oldest tasks across accounts when fewer workers are free than tasks are runnable', async () => {
    await clearQueue();
    const a = await account();
    const b = await account();
    const a1 = await queue(a, 1);
    const b1 = await queue(b, 1);
    const a2 = await queue(a, 1);
    expect((await store.lease('inst_a', 2, 60_000, 8)).map((r) => r.id)).toEqual([...a1, ...b1]);
    expect((await store.lease('inst_a', 2, 60_000, 8)).map((r) => r.id)).toEqual(a2);
  });

  it('leases oldest first without any account cap', async () => {
    await clearQueue();
    const a = await account();
    const ids = await queue(a, 6);
    expect((await store.lease('inst_a', 4, 60_000, 0)).map((r) => r.id)).toEqual(ids.slice(0, 4));
    expect((await store.lease('inst_a', 4, 60_000, 0)).map((r) => r.id)).toEqual(ids.slice(4));
  });
});
