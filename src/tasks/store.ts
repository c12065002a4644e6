/**
 * Tasks as database rows. Workers lease them (PostgreSQL: FOR UPDATE SKIP LOCKED, so several gateway
 * instances share the queue), renew the lease while they run, and finish them through guarded updates
 * that follow the state machine in state.ts.
 */
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { Database, TasksTable } from '../store/schema.js';
import type { Db } from '../store/db.js';
import type { SqlDialect } from '../store/migrations.js';
import { firstOf, run, type Transact, type TxWork } from '../store/transact.js';
import { type TaskStatus, TRANSITIONS } from './state.js';

export type TaskRow = Selectable<TasksTable>;

export interface NewTask {
  id: string;
  accountId: string;
  keyId: string | null;
  model: string;
  endpoint: string;
  job: string;
  holdId: string | null;
  quoted: number;
  callbackUrl: string | null;
  /** A task handed over from a synchronous request whose upstream task is still running. */
  upstream?: { taskId: string; routeId: string };
}

/** The row a new task is inserted as. */
export function newTaskRow(t: NewTask): TaskRow {
  const now = Date.now();
  return {
    id: t.id,
    account_id: t.accountId,
    key_id: t.keyId,
    model: t.model,
    endpoint: t.endpoint,
    // A handed-over task is already running upstream. Its lease has run out from the start, so the first
    // worker to look takes it over (the dead-worker path) and resumes polling the persisted upstream task.
    status: t.upstream ? 'running' : 'pending',
    progress: null,
    job: t.job,
    hold_id: t.holdId,
    quoted: t.quoted,
    upstream_task_id: t.upstream?.taskId ?? null,
    route_id: t.upstream?.routeId ?? null,
    result: null,
    error: null,
    lease_owner: null,
    lease_until: t.upstream ? now : null,
    attempts: 0,
    callback_url: t.callbackUrl,
    webhook: null,
    next_webhook_at: null,
    created_at: now,
    started_at: t.upstream ? now : null,
    finished_at: null,
  };
}

/** A claim that takes nothing over: the task is created unconditionally. */
// biome-ignore lint/correctness/useYield: transaction work is a generator; this one has no query to yield.
export function* noClaim(): TxWork<boolean> {
  return true;
}

export class TaskStore {
  private readonly db: Kysely<Database>;
  private readonly dialect: SqlDialect;
  private readonly transact: Transact;

  constructor(store: Pick<Db, 'kysely' | 'dialect' | 'transact'>) {
    this.db = store.kysely;
    this.dialect = store.dialect;
    this.transact = store.transact;
  }

  async create(t: NewTask): Promise<TaskRow> {
    const row = newTaskRow(t);
    await this.db.insertInto('tasks').values(row).execute();
    return row;
  }

  /** Insert a task row as part of a larger transaction (its hold's: see TaskService.submit). */
  *insertWork(row: TaskRow): TxWork<void> {
    yield* run(this.db.insertInto('tasks').values(row));
  }

  /**
   * Insert a task in one transaction with `claim` (taking over a synchronous request's hold), so neither can
   * exist without the other after a crash. Nothing is written, and the result is undefined, when `claim`
   * returns false. The claim is transaction work (queries only), so the hold's row lock is never held
   * across anything else.
   */
  async createClaiming(t: NewTask, claim: () => TxWork<boolean>): Promise<TaskRow | undefined> {
    const row = newTaskRow(t);
    const insert = this.db.insertInto('tasks').values(row);
    return this.transact({
      *write() {
        if (!(yield* claim())) return undefined;
        yield* run(insert);
        return row;
      },
    });
  }

  async get(id: string, accountId?: string): Promise<TaskRow | undefined> {
    let q = this.db.selectFrom('tasks').selectAll().where('id', '=', id);
    if (accountId) q = q.where('account_id', '=', accountId);
    return q.executeTakeFirst();
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async list(accountId: string, opts: { status?: TaskStatus; after?: string; limit: number }): Promise<TaskRow[]> {
    let q = this.db.selectFrom('tasks').selectAll().where('account_id', '=', accountId);
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.after) {
      const cursor = await this.db
        .selectFrom('tasks')
        .select(['created_at', 'id'])
        .where('id', '=', opts.after)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (cursor)
        q = q.where((eb) => eb.or([eb('created_at', '<', cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)])]));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  /**
   * Lease up to `limit` runnable tasks: pending ones, and running ones whose lease ran out (dead worker, or a
   * task handed over by a synchronous request). With `perAccount` > 0, an account never has more than that
   * many tasks running (leased, unexpired) across all instances: each account's runnable tasks are ranked
   * oldest first and only the first `perAccount − running` of them may be taken.
   */
  async lease(owner: string, limit: number, leaseMs: number, perAccount = 0, now = Date.now()): Promise<TaskRow[]> {
    if (limit <= 0) return [];
    const runnable = sql`(tasks.status = 'pending' or (tasks.status = 'running' and tasks.lease_until < ${now}))`;
    const set = sql`status = 'running', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = attempts + 1, started_at = coalesce(started_at, ${now})`;
    // Only the head of the queue is looked at, so a backlog of any size costs each lease the same (a sort of
    // the whole queue, with thousands queued, ate the event loop between every finished task).
    const expired = sql`select id, account_id, created_at from tasks where status = 'running' and lease_until < ${now}`;
    let candidates: RawBuilder<unknown>;
    if (perAccount <= 0) {
      // No account cap: the oldest pending tasks by index order, plus tasks whose worker's lease ran out.
      const window = Math.max(256, limit * 8);
      candidates = sql`select id from (
          select id from (select id from tasks where status = 'pending' order by created_at, id limit ${window}) pending
          union all
          select id from (${expired}) e
        ) h`;
    } else {
      // With a cap, each account's head: the accounts with pending tasks are walked one index seek at a time
      // (a recursive "next account after"), and each one not already at its cap contributes its oldest
      // `perAccount` pending tasks. Filtering a global scan by account instead reads the whole backlog when
      // the account at its head is saturated: 8 ms per lease at 30k queued, on every finished task.
      const busy = sql`select account_id, count(*) as n from tasks where status = 'running' and lease_until >= ${now} group by account_id`;
      const accounts = sql`
        with recursive accts(a) as (
          select (select account_id from tasks where status = 'pending' order by account_id limit 1)
          union all
          select (select account_id from tasks where status = 'pending' and account_id > accts.a order by account_id limit 1) from accts where accts.a is not null
        )
        select a from accts where a is not null and a not in (select account_id from (${busy}) b where n >= ${perAccount})`;
      const headOf = (columns: RawBuilder<unknown>) =>
        sql`select ${columns} from tasks where status = 'pending' and account_id = ac.a order by created_at, id limit ${perAccount}`;
      // PostgreSQL joins each account to its head laterally; SQLite has no LATERAL, but it drives the same
      // per-account seek from an IN on the primary key.
      const heads =
        this.dialect === 'postgres'
          ? sql`select h.id, h.account_id, h.created_at from (${accounts}) ac cross join lateral (${headOf(sql`id, account_id, created_at`)}) h`
          : sql`select t.id, t.account_id, t.created_at from (${accounts}) ac join tasks t on t.id in (${headOf(sql`id`)})`;
      // Ranked oldest first within each account; only the first `perAccount − running` may be taken.
      candidates = sql`
        select r.id from (
          select id, account_id, row_number() over (partition by account_id order by created_at, id) as rn from (
            select * from (${heads}) hp union all select * from (${expired}) e
          ) h
        ) r
        left join (${busy}) b on b.account_id = r.account_id
        where r.rn + coalesce(b.n, 0) <= ${perAccount}`;
    }
    // Driven from the candidates: otherwise SQLite scans every pending row through the status index and tests
    // each against the candidate list. Its CROSS JOIN keeps the written order; PostgreSQL plans it as a join.
    const pick = sql`select tasks.id from (${candidates}) c cross join tasks where tasks.id = c.id and ${runnable} order by tasks.created_at, tasks.id limit ${limit}`;
    // PostgreSQL: pick the rows in a materialized CTE. An IN (subquery … LIMIT … SKIP LOCKED) may be re-run by
    // the planner and take more than `limit` rows; the CTE runs once and locks exactly what it returns. The
    // account cap holds across instances too: a concurrent leaser ranks from its own snapshot, so it can only
    // lock rows among an account's first `perAccount − running` (skipping the ones we locked), or, once our
    // lease is committed, it counts our rows as running.
    const res =
      this.dialect === 'postgres'
        ? await sql<TaskRow>`
            with picked as materialized (${pick} for update of tasks skip locked)
            update tasks set ${set} from picked where tasks.id = picked.id returning tasks.*`.execute(this.db)
        : await sql<TaskRow>`update tasks set ${set} where id in (${pick}) returning *`.execute(this.db);
    return res.rows.map((r) => ({
      ...r,
      quoted: Number(r.quoted),
      created_at: Number(r.created_at),
      lease_until: r.lease_until === null ? null : Number(r.lease_until),
    }));
  }

  /** Extend our lease; false when the task is no longer ours (canceled, or taken over). */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('tasks')
      .set({ lease_until: Date.now() + leaseMs })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Records the upstream job of a task this worker holds; the task's status as of that write (undefined: not held). */
  async setUpstream(id: string, owner: string, upstreamTaskId: string, routeId: string): Promise<TaskRow['status'] | undefined> {
    const row = await this.db
      .updateTable('tasks')
      .set({ upstream_task_id: upstreamTaskId, route_id: routeId })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .returning('status')
      .executeTakeFirst();
    return row?.status;
  }

  /**
   * Move to a terminal state if the state machine allows it from the current state (and, for a worker,
   * only while it holds the lease). Returns whether this call made the change.
   */
  async finish(id: string, to: 'succeeded' | 'failed' | 'canceled', data: { result?: string; error?: string }, owner?: string): Promise<boolean> {
    const r = await this.finishQuery(id, to, data, owner).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * finish() as part of the transaction that closes the task's hold (Ledger.settleAfter, refundAfter): it
   * declines (false, nothing written) unless the task may take that state and its hold is still open, so
   * the hold's close that follows cannot find it closed.
   */
  *finishWithHoldWork(id: string, to: 'succeeded' | 'failed' | 'canceled', data: { result?: string; error?: string }, owner?: string): TxWork<boolean> {
    const q = this.finishQuery(id, to, data, owner).where((eb) =>
      eb.or([
        eb('hold_id', 'is', null),
        eb.exists(eb.selectFrom('holds').select('holds.id').whereRef('holds.id', '=', 'tasks.hold_id').where('holds.status', '=', 'open')),
      ]),
    );
    return (yield* firstOf(q.returning('id'))) !== undefined;
  }

  private finishQuery(id: string, to: 'succeeded' | 'failed' | 'canceled', data: { result?: string; error?: string }, owner?: string) {
    let q = this.db
      .updateTable('tasks')
      .set({
        status: to,
        result: data.result ?? null,
        error: data.error ?? null,
        finished_at: Date.now(),
        lease_until: null,
        next_webhook_at: sql<number>`case when callback_url is null then null else cast(${Date.now()} as bigint) end`,
      })
      .where('id', '=', id)
      .where('status', 'in', [...TRANSITIONS[to]]);
    if (owner) q = q.where('lease_owner', '=', owner);
    return q;
  }

  /**
   * Give back the lease of a task this worker has not started (shutting down), so that any instance takes
   * it at once rather than when the lease would have run out.
   */
  async handBack(id: string, owner: string): Promise<boolean> {
    const r = await this.db
      .updateTable('tasks')
      .set({ lease_until: 0 })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async progress(id: string, owner: string, progress: number): Promise<void> {
    await this.db.updateTable('tasks').set({ progress }).where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'running').execute();
  }

  /**
   * Open holds owned by a task (`task:<id>`) that no live task will close: its row does not exist (written by
   * a version that took the hold before the row, and crashed in between) or is terminal (a crash between a
   * failed task's finish and its refund). Read from the few open holds, each task looked up by id.
   */
  async orphanedHolds(limit = 100): Promise<Array<{ hold_id: string; task_id: string }>> {
    const taskId = sql<string>`substr(holds.owner, 6)`;
    return this.db
      .selectFrom('holds')
      .select(['holds.id as hold_id', taskId.as('task_id')])
      .where('holds.status', '=', 'open')
      .where('holds.owner', 'like', 'task:%')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('tasks').select('tasks.id').where('tasks.id', '=', taskId).where('tasks.status', 'in', ['pending', 'running']))),
      )
      .limit(limit)
      .execute();
  }

  /** Webhooks due for delivery now. */
  async webhooksDue(now: number, limit: number): Promise<TaskRow[]> {
    return this.db.selectFrom('tasks').selectAll().where('next_webhook_at', '<=', now).orderBy('next_webhook_at').limit(limit).execute();
  }

  async webhookState(id: string, state: string, next: number | null, expectNext: number): Promise<boolean> {
    const r = await this.db
      .updateTable('tasks')
      .set({ webhook: state, next_webhook_at: next })
      .where('id', '=', id)
      .where('next_webhook_at', '=', expectNext)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
