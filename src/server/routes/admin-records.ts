/**
 * The admin API's searchable records: the request log, tasks across accounts, and the audit log. Each list is
 * paged newest first (admin-page.ts), and each filter it takes has an index ending in the list's order
 * (migrations 009 and 010), so a page costs `limit` rows read.
 */
import type { FastifyInstance } from 'fastify';
import type { Selectable } from 'kysely';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditLog, describeAudit } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import type { RequestLogTable, RequestTraffic, TasksTable } from '../../store/schema.js';
import { ADMIN } from '../audience.js';
import { renderTask } from '../task-object.js';
import { dateParam } from './admin.js';
import { newestFirst, oneOf, page, pageLimit } from './admin-page.js';

type Query = Record<string, string | undefined>;

const REQUEST_TRAFFIC: readonly RequestTraffic[] = ['client', 'admin'];
const TASK_STATUSES: readonly TasksTable['status'][] = ['pending', 'running', 'succeeded', 'failed', 'canceled'];

function httpStatus(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!/^\d{3}$/.test(v) || n < 100 || n > 599) throw invalidRequest('status', 'status must be an HTTP status code, e.g. 200 or 402.');
  return n;
}

function requestView(r: Selectable<RequestLogTable>) {
  return {
    id: r.id,
    object: 'request',
    created_at: new Date(r.created_at).toISOString(),
    traffic: r.traffic,
    account_id: r.account_id,
    key_id: r.key_id,
    endpoint: r.endpoint,
    operation: r.operation,
    model: r.model,
    status: r.status,
    error_code: r.error_code,
    error_message: r.error_message,
    route: r.route,
    upstream_request_id: r.upstream_request_id,
    latency_ms: r.latency_ms,
    images: r.images,
    amount: r.amount,
    billing_transaction_id: r.billing_transaction_id,
  };
}

export type RequestView = ReturnType<typeof requestView>;

export function adminRecordRoutes(app: FastifyInstance, d: { db: Db; requestLog: RequestLog; auditLog: AuditLog; config: { publicUrl: string } }): void {
  const db = d.db.kysely;

  app.get<{ Querystring: Query }>('/v1/admin/requests', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const status = httpStatus(q.status);
    const from = dateParam(q.from, 'from');
    const to = dateParam(q.to, 'to');
    // Rows are written in batches: include this instance's queued ones.
    await d.requestLog.flush();
    let sel = db.selectFrom('request_log').selectAll();
    const traffic = oneOf(q.traffic, REQUEST_TRAFFIC, 'traffic');
    if (traffic) sel = sel.where('traffic', '=', traffic);
    if (q.id) sel = sel.where('id', '=', q.id);
    if (status !== undefined) sel = sel.where('status', '=', status);
    if (q.error_code) sel = sel.where('error_code', '=', q.error_code);
    if (q.model) sel = sel.where('model', '=', q.model);
    if (q.key_id) sel = sel.where('key_id', '=', q.key_id);
    if (q.account_id) sel = sel.where('account_id', '=', q.account_id);
    if (from !== undefined) sel = sel.where('created_at', '>=', from);
    if (to !== undefined) sel = sel.where('created_at', '<', to);
    return page(await newestFirst(db, 'request_log', sel, q.after, limit), limit, requestView);
  });

  app.get<{ Params: { id: string } }>('/v1/admin/requests/:id', ADMIN, async (req) => {
    await d.requestLog.flush();
    const r = await db.selectFrom('request_log').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!r) throw new GatewayError('not_found', `No request "${req.params.id}" in the request log.`, { param: 'id' });
    // The shape was stripped of keys and image data when it was stored (server/image-request.ts).
    return { ...requestView(r), request_shape: r.request_shape ? (JSON.parse(r.request_shape) as unknown) : null };
  });

  app.get<{ Querystring: Query }>('/v1/admin/tasks', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const status = oneOf(q.status, TASK_STATUSES, 'status');
    let sel = db.selectFrom('tasks').selectAll();
    if (status) sel = sel.where('status', '=', status);
    if (q.model) sel = sel.where('model', '=', q.model);
    if (q.account_id) sel = sel.where('account_id', '=', q.account_id);
    return page(await newestFirst(db, 'tasks', sel, q.after, limit), limit, (r) => ({
      ...renderTask(r, d.config.publicUrl),
      account_id: r.account_id,
      key_id: r.key_id,
    }));
  });

  app.get<{ Querystring: Query }>('/v1/admin/audit', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const rows = await d.auditLog.list({
      action: oneOf<AuditAction>(q.action, AUDIT_ACTIONS, 'action'),
      targetId: q.target_id || undefined,
      actor: q.actor || undefined,
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to'),
      after: q.after || undefined,
      limit: limit + 1,
    });
    return page(rows, limit, describeAudit);
  });
}
