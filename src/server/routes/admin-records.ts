/**
 * The admin API's searchable records: the request log, tasks across accounts, and the audit log. Each list is
 * paged newest first (admin-page.ts), and each filter it takes has an index ending in the list's order
 * (migrations 009 and 010), so a page costs `limit` rows read.
 */
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../domain/errors.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditLog, describeAudit } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import type { RequestTraffic } from '../../store/schema.js';
import { ADMIN } from '../audience.js';
import { requestDetail, requestPage } from '../records/requests.js';
import { TASK_STATUSES, taskPage } from '../records/tasks.js';
import { dateParam } from './admin.js';
import { oneOf, page, pageLimit } from './admin-page.js';

export type { RequestView } from '../records/requests.js';

type Query = Record<string, string | undefined>;

const REQUEST_TRAFFIC: readonly RequestTraffic[] = ['client', 'admin'];

export function httpStatus(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!/^\d{3}$/.test(v) || n < 100 || n > 599) throw invalidRequest('status', 'status must be an HTTP status code, e.g. 200 or 402.');
  return n;
}

export function adminRecordRoutes(app: FastifyInstance, d: { db: Db; requestLog: RequestLog; auditLog: AuditLog; config: { publicUrl: string } }): void {
  const db = d.db.kysely;

  app.get<{ Querystring: Query }>('/v1/admin/requests', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const filter = {
      traffic: oneOf(q.traffic, REQUEST_TRAFFIC, 'traffic'),
      id: q.id,
      status: httpStatus(q.status),
      errorCode: q.error_code,
      model: q.model,
      keyId: q.key_id,
      accountId: q.account_id,
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to'),
    };
    // Rows are written in batches: include this instance's queued ones.
    await d.requestLog.flush();
    return requestPage(db, filter, q.after, limit);
  });

  app.get<{ Params: { id: string } }>('/v1/admin/requests/:id', ADMIN, async (req) => {
    await d.requestLog.flush();
    return requestDetail(db, req.params.id);
  });

  app.get<{ Querystring: Query }>('/v1/admin/tasks', ADMIN, async (req) => {
    const q = req.query;
    const filter = { status: oneOf(q.status, TASK_STATUSES, 'status'), model: q.model, accountId: q.account_id };
    return taskPage(db, filter, q.after, pageLimit(q.limit), d.config.publicUrl);
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
