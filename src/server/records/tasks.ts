/**
 * Tasks as the admin API and an account's member read them: a page newest first, and one task's detail
 * (who, money, attempts, result, webhook deliveries); and the cancel a person makes, which is the client's
 * cancel (TaskService.cancel) plus an audit entry written in its transaction.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { GatewayError } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import { keyStatus, toApiKey } from '../../store/keys.js';
import type { Database, TasksTable } from '../../store/schema.js';
import type { TaskService } from '../../tasks/service.js';
import type { TaskRow, TaskStore } from '../../tasks/store.js';
import { webhookStateOf } from '../../tasks/webhooks.js';
import { actingAs } from '../actor.js';
import { newestFirst, page } from '../routes/admin-page.js';
import { renderTask } from '../task-object.js';

export const TASK_STATUSES: readonly TasksTable['status'][] = ['pending', 'running', 'succeeded', 'failed', 'canceled'];

export interface TaskFilter {
  status?: TasksTable['status'];
  model?: string;
  accountId?: string;
}

const sec = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export async function taskPage(db: Kysely<Database>, f: TaskFilter, after: string | undefined, limit: number, publicUrl: string) {
  let sel = db.selectFrom('tasks').selectAll();
  if (f.status) sel = sel.where('status', '=', f.status);
  if (f.model) sel = sel.where('model', '=', f.model);
  if (f.accountId) sel = sel.where('account_id', '=', f.accountId);
  return page(await newestFirst(db, 'tasks', sel, after, limit, f.accountId), limit, (r) => ({
    ...renderTask(r, publicUrl),
    account_id: r.account_id,
    key_id: r.key_id,
  }));
}

/** The task, of `accountId` when given (another account's is not found). */
export async function mustTask(store: TaskStore, id: string, accountId?: string): Promise<TaskRow> {
  const row = await store.get(id, accountId);
  if (!row) throw new GatewayError('not_found', `No task "${id}".`, { param: 'id' });
  return row;
}

/** A task with who sent it, its money and its webhook deliveries: the answer of the detail and of the cancel. */
export async function taskDetail(db: Kysely<Database>, row: TaskRow, publicUrl: string) {
  const [account, key, hold] = await Promise.all([
    db.selectFrom('accounts').select(['id', 'name']).where('id', '=', row.account_id).executeTakeFirst(),
    row.key_id ? db.selectFrom('api_keys').selectAll().where('id', '=', row.key_id).executeTakeFirst() : undefined,
    row.hold_id ? db.selectFrom('holds').select(['id', 'amount', 'status', 'charged']).where('id', '=', row.hold_id).executeTakeFirst() : undefined,
  ]);
  const k = key && toApiKey(key);
  const webhook = row.callback_url ? webhookStateOf(row) : undefined;
  return {
    ...renderTask(row, publicUrl),
    account_id: row.account_id,
    key_id: row.key_id,
    account: account ? { id: account.id, name: account.name } : null,
    key: k ? { id: k.id, name: k.name, prefix: k.prefix, status: keyStatus(k) } : null,
    endpoint: row.endpoint,
    attempts: row.attempts,
    quoted: row.quoted,
    // The money held for the task: open while it runs, then settled (charged) or released.
    hold: hold ? { billing_transaction_id: hold.id, amount: hold.amount, status: hold.status, charged: hold.charged } : null,
    upstream_task_id: row.upstream_task_id,
    route: row.route_id,
    lease_until: row.status === 'running' ? sec(row.lease_until) : null,
    webhook: webhook ? { url: row.callback_url, status: webhook.status, attempts: webhook.attempts, next_attempt_at: sec(row.next_webhook_at) } : null,
  };
}

export type TaskDetailView = Awaited<ReturnType<typeof taskDetail>>;

/** A person's cancel: refunds the task's hold, with the audit entry (the refund as its amount) in that transaction. */
export async function cancelTaskAudited(
  d: { db: Kysely<Database>; tasks: TaskService; auditLog: AuditLog },
  req: FastifyRequest,
  row: TaskRow,
): Promise<TaskRow> {
  const hold = row.hold_id ? await d.db.selectFrom('holds').select('amount').where('id', '=', row.hold_id).executeTakeFirst() : undefined;
  const audit = {
    actor: actingAs(req),
    action: 'task.cancel' as const,
    target: { kind: 'task' as const, id: row.id },
    ...(hold ? { amount: hold.amount } : {}),
    diff: { account_id: row.account_id, from_status: row.status },
  };
  return d.tasks.cancel(row, () => d.auditLog.entryWork(audit));
}
