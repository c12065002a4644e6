/**
 * One task of any account, for the console's task page: its detail (who, money, attempts, result, webhook
 * deliveries) and an operator's cancel, which is the client's cancel (TaskService.cancel) plus an audit entry
 * written in its transaction.
 */
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import { keyStatus, toApiKey } from '../../store/keys.js';
import type { TaskService } from '../../tasks/service.js';
import type { TaskRow, TaskStore } from '../../tasks/store.js';
import { webhookStateOf } from '../../tasks/webhooks.js';
import { ADMIN } from '../audience.js';
import { renderTask } from '../task-object.js';
import { actingAs } from '../actor.js';

const sec = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/** A task with who sent it, its money and its webhook deliveries: the answer of the detail and of the cancel. */
async function taskDetail(db: Db['kysely'], row: TaskRow, publicUrl: string) {
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

export function adminTaskRoutes(
  app: FastifyInstance,
  d: { db: Db; tasks: TaskService; taskStore: TaskStore; auditLog: AuditLog; config: { publicUrl: string } },
): void {
  const db = d.db.kysely;
  const mustTask = async (id: string) => {
    const row = await d.taskStore.get(id);
    if (!row) throw new GatewayError('not_found', `No task "${id}".`, { param: 'id' });
    return row;
  };

  const detail = (row: TaskRow) => taskDetail(db, row, d.config.publicUrl);

  app.get<{ Params: { id: string } }>('/v1/admin/tasks/:id', ADMIN, async (req) => detail(await mustTask(req.params.id)));

  app.post<{ Params: { id: string } }>('/v1/admin/tasks/:id/cancel', ADMIN, async (req) => {
    const row = await mustTask(req.params.id);
    const hold = row.hold_id ? await db.selectFrom('holds').select('amount').where('id', '=', row.hold_id).executeTakeFirst() : undefined;
    const audit = {
      actor: actingAs(req),
      action: 'task.cancel' as const,
      target: { kind: 'task' as const, id: row.id },
      // The refund the cancel makes, as money given back to the account.
      ...(hold ? { amount: hold.amount } : {}),
      diff: { account_id: row.account_id, from_status: row.status },
    };
    return detail(await d.tasks.cancel(row, () => d.auditLog.entryWork(audit)));
  });
}
