/**
 * Tasks as database rows. Workers lease them (PostgreSQL: FOR UPDATE SKIP LOCKED, so several gateway
 * instances share the queue), renew the lease while they run, and finish them through guarded updates
 * that follow the state machine in state.ts.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, TasksTable } from '../store/schema.js';
import type { SqlDialect } from '../store/migrations.js';
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

export class TaskStore {
  constructor(private readonly db: Kysely<Database>, private readonly dialect: SqlDialect) {}

  async create(t: NewTask): Promise<TaskRow> {
    const row: TaskRow = {
      id: t.id,
      account_id: t.accountId,
      key_id: t.keyId,
      model: t.model,
      endpoint: t.endpoint,
      status: 'pending',
      progress: null,
      job: t.job,
      hold_id: t.holdId,
      quoted: t.quoted,
      upstream_task_id: t.upstream?.taskId ?? null,
      route_id: t.upstream?.routeId ?? null,
      result: null,
      error: null,
      lease_owner: null,
      lease_until: null,
      attempts: 0,
      callback_url: t.callbackUrl,
      webhook: null,
      next_webhook_at: null,
      created_at: Date.now(),
      started_at: null,
      finished_at: null,
    };
    await this.db.insertInto('tasks').values(row).execute();
    return row;
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
      const cursor = await this.db.selectFrom('tasks').select(['created_at', 'id']).where('id', '=', opts.after).where('account_id', '=', accountId).executeTakeFirst();
      if (cursor) q = q.where((eb) => eb.or([eb('created_at', '<', cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)])]));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  /** Lease up to `limit` runnable tasks: pending ones, and running ones whose lease ran out (dead worker). */
  async lease(owner: string, limit: number, leaseMs: number, now = Date.now()): Promise<TaskRow[]> {
    if (limit <= 0) return [];
    const runnable = sql`status = 'pending' or (status = 'running' and lease_until < ${now})`;
    const set = sql`status = 'running', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = attempts + 1, started_at = coalesce(started_at, ${now})`;
    // PostgreSQL: pick the rows in a materialized CTE. An IN (subquery … LIMIT … SKIP LOCKED) may be re-run by
    // the planner and take more than `limit` rows; the CTE runs once and locks exactly what it returns.
    const res =
      this.dialect === 'postgres'
        ? await sql<TaskRow>`
            with picked as materialized (
              select id from tasks where ${runnable} order by created_at limit ${limit} for update skip locked
            )
            update tasks set ${set} from picked where tasks.id = picked.id returning tasks.*`.execute(this.db)
        : await sql<TaskRow>`
            update tasks set ${set}
            where id in (select id from tasks where ${runnable} order by created_at limit ${limit})
            returning *`.execute(this.db);
    return res.rows.map((r) => ({ ...r, quoted: Number(r.quoted), created_at: Number(r.created_at), lease_until: r.lease_until === null ? null : Number(r.lease_until) }));
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

  async setUpstream(id: string, owner: string, upstreamTaskId: string, routeId: string): Promise<void> {
    await this.db.updateTable('tasks').set({ upstream_task_id: upstreamTaskId, route_id: routeId }).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  /**
   * Move to a terminal state if the state machine allows it from the current state (and, for a worker,
   * only while it holds the lease). Returns whether this call made the change.
   */
  async finish(id: string, to: 'succeeded' | 'failed' | 'canceled', data: { result?: string; error?: string }, owner?: string): Promise<boolean> {
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
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async progress(id: string, owner: string, progress: number): Promise<void> {
    await this.db.updateTable('tasks').set({ progress }).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  /** Terminal tasks whose hold is still open: a crash between finishing and settling. */
  async terminalWithHold(limit = 100): Promise<Array<{ id: string; hold_id: string }>> {
    const rows = await this.db
      .selectFrom('tasks')
      .innerJoin('holds', 'holds.id', 'tasks.hold_id')
      .select(['tasks.id as id', 'holds.id as hold_id'])
      .where('tasks.status', 'in', ['failed', 'canceled', 'succeeded'])
      .where('holds.status', '=', 'open')
      .limit(limit)
      .execute();
    return rows;
  }

  /** Webhooks due for delivery now. */
  async webhooksDue(now: number, limit: number): Promise<TaskRow[]> {
    return this.db.selectFrom('tasks').selectAll().where('next_webhook_at', '<=', now).orderBy('next_webhook_at').limit(limit).execute();
  }

  async webhookState(id: string, state: string, next: number | null, expectNext: number): Promise<boolean> {
    const r = await this.db.updateTable('tasks').set({ webhook: state, next_webhook_at: next }).where('id', '=', id).where('next_webhook_at', '=', expectNext).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
