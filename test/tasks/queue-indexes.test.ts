/**
 * The task queue's indexes hold the tasks in flight only (migration 006; 011's tasks_finished holds finished ones only): a finished task leaves them, and
 * the queries that need them are planned on them, not on a scan of every task ever run.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { newTaskRow, TaskStore } from '../../src/tasks/store.js';
import { databases } from '../support/databases.js';

describe.each(databases())('task queue indexes on $name', ({ make }) => {
  let db: Db;
  let store: TaskStore;

  beforeAll(async () => {
    const t = await make();
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    store = new TaskStore(db);
  });
  afterAll(async () => db.close());

  const row = (id: string, status: 'pending' | 'succeeded') => ({
    ...newTaskRow({
      id,
      accountId: 'acct_q',
      keyId: null,
      model: 'm',
      endpoint: '/v1/images/generations',
      job: '{}',
      holdId: null,
      quoted: 0,
      callbackUrl: null,
    }),
    status,
  });

  // The console's lists (migration 009) add tasks_time and tasks_model_time, on columns a task never changes
  // (model, created_at, id): a status change moves no entry of theirs.
  it('indexes pending and running tasks by status, and tasks with a webhook due, each under a WHERE', async () => {
    if (db.dialect === 'sqlite') {
      const { rows } = await sql<{
        name: string;
        sql: string;
      }>`select name, sql from sqlite_master where type = 'index' and tbl_name = 'tasks' and sql is not null order by name`.execute(db.kysely);
      const where = Object.fromEntries(rows.map((r) => [r.name, r.sql.replace(/^.* where /i, '')]));
      expect(Object.keys(where)).toEqual([
        'tasks_account',
        'tasks_finished',
        'tasks_model_time',
        'tasks_pending_account',
        'tasks_pending_order',
        'tasks_running',
        'tasks_time',
        'tasks_webhook',
      ]);
      expect(where.tasks_finished).toMatch(/^"finished_at" is not null$/i);
      expect(where.tasks_pending_order).toMatch(/^"status" = 'pending'$/);
      expect(where.tasks_pending_account).toMatch(/^"status" = 'pending'$/);
      expect(where.tasks_running).toMatch(/^"status" = 'running'$/);
      expect(where.tasks_webhook).toMatch(/^"next_webhook_at" is not null$/i);
    } else {
      const { rows } = await sql<{
        indexname: string;
        indexdef: string;
      }>`select indexname, indexdef from pg_indexes where tablename = 'tasks' and indexname <> 'tasks_pkey' order by indexname`.execute(db.kysely);
      const def = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
      expect(Object.keys(def)).toEqual([
        'tasks_account',
        'tasks_finished',
        'tasks_model_time',
        'tasks_pending_account',
        'tasks_pending_order',
        'tasks_running',
        'tasks_time',
        'tasks_webhook',
      ]);
      expect(def.tasks_finished).toMatch(/WHERE \(finished_at IS NOT NULL\)/);
      expect(def.tasks_pending_order).toMatch(/WHERE \(status = 'pending'::text\)/);
      expect(def.tasks_pending_account).toMatch(/WHERE \(status = 'pending'::text\)/);
      expect(def.tasks_running).toMatch(/WHERE \(status = 'running'::text\)/);
      expect(def.tasks_webhook).toMatch(/WHERE \(next_webhook_at IS NOT NULL\)/);
    }
  });

  it('keeps no entry for a finished task in the queue indexes', async () => {
    if (db.dialect !== 'sqlite') return; // SQLite can count an index's entries by name; the WHEREs above say the same for PostgreSQL.
    const entries = async (index: string) =>
      Number(
        (
          await sql<{
            n: number;
          }>`select count(*) as n from tasks indexed by ${sql.raw(index)} where ${sql.raw(index === 'tasks_running' ? "status = 'running'" : "status = 'pending'")}`.execute(
            db.kysely,
          )
        ).rows[0]!.n,
      );
    await db.kysely
      .insertInto('tasks')
      .values([row('task_q1', 'pending'), row('task_q2', 'pending'), row('task_q3', 'succeeded')])
      .execute();
    expect(await entries('tasks_pending_order')).toBe(2);
    const [leased] = await store.lease('inst_q', 1, 60_000);
    expect(await entries('tasks_pending_order')).toBe(1);
    expect(await entries('tasks_running')).toBe(1);
    expect(await store.finish(leased!.id, 'succeeded', { result: '{}' }, 'inst_q')).toBe(true);
    expect(await entries('tasks_running')).toBe(0);
  });

  it('plans the lease, the running count and the due webhooks on the partial indexes, never on a scan of all tasks', async () => {
    if (db.dialect !== 'sqlite') return; // PostgreSQL plans by its statistics: on a small test table it may rightly scan.
    const plan = async (query: string) => (await sql<{ detail: string }>`explain query plan ${sql.raw(query)}`.execute(db.kysely)).rows.map((r) => r.detail);
    const now = Date.now();
    const busy = await plan(`select account_id, count(*) as n from tasks where status = 'running' and lease_until >= ${now} group by account_id`);
    expect(busy.join('\n')).toMatch(/USING COVERING INDEX tasks_running/);
    const head = await plan(`select id from tasks where status = 'pending' and account_id = 'a' order by created_at, id limit 8`);
    expect(head.join('\n')).toMatch(/USING COVERING INDEX tasks_pending_account/);
    const oldest = await plan(`select id from tasks where status = 'pending' order by created_at, id limit 8`);
    expect(oldest.join('\n')).toMatch(/USING COVERING INDEX tasks_pending_order/);
    const webhooks = await plan(`select * from tasks where next_webhook_at <= ${now} order by next_webhook_at limit 20`);
    expect(webhooks.join('\n')).toMatch(/USING INDEX tasks_webhook/);
    const counts = await plan(`select count(*) from tasks where status = 'pending'`);
    expect(counts.join('\n')).toMatch(/USING COVERING INDEX tasks_pending_order|USING COVERING INDEX tasks_pending_account/);
    // None of them reads every task.
    for (const line of [...busy, ...head, ...oldest, ...webhooks, ...counts])
      expect(line).not.toMatch(/^SCAN tasks$|USING INDEX tasks_account\b|USING COVERING INDEX tasks_account\b/);
  });
});
