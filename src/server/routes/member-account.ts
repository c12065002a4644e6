/**
 * The member API (`member` audience): a member's own account and what happened on it — balance, usage, the
 * ledger, requests and tasks, and cancelling a task. Every query is the admin API's (server/records/) with
 * the account fixed to the member's, never taken from the request: another account's rows are not found.
 */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../../billing/accounts.js';
import type { Ledger } from '../../billing/ledger.js';
import { GatewayError } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import type { TaskService } from '../../tasks/service.js';
import type { TaskStore } from '../../tasks/store.js';
import { accountView } from '../account-view.js';
import { memberAccountOf } from '../actor.js';
import { MEMBER } from '../audience.js';
import type { MemberAccountView } from '../console-api.js';
import { ledgerPage } from '../records/ledger.js';
import { requestDetail, requestPage } from '../records/requests.js';
import { cancelTaskAudited, mustTask, TASK_STATUSES, taskDetail, taskPage } from '../records/tasks.js';
import { usageGroups, usageReport } from '../records/usage.js';
import { dateParam } from './admin.js';
import { oneOf, pageLimit } from './admin-page.js';
import { httpStatus } from './admin-records.js';

type Query = Record<string, string | undefined>;

export interface MemberAccountDeps {
  db: Db;
  accounts: Accounts;
  ledger: Ledger;
  requestLog: RequestLog;
  tasks: TaskService;
  taskStore: TaskStore;
  auditLog: AuditLog;
  config: { publicUrl: string };
}

/** The first instant of the current UTC month, ms. */
const monthStart = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

export function memberAccountRoutes(app: FastifyInstance, d: MemberAccountDeps): void {
  const db = d.db.kysely;
  const usageDeps = { db, requestLog: d.requestLog };

  app.get('/v1/console/account', MEMBER, async (req): Promise<MemberAccountView> => {
    const id = memberAccountOf(req);
    const [standing, month] = await Promise.all([d.accounts.standing(id), d.accounts.chargedSince(id, monthStart(Date.now()))]);
    if (!standing) throw new GatewayError('not_found', `No account "${id}".`);
    return { ...accountView(standing, d.ledger.currency), spend_this_month: month };
  });

  app.get<{ Querystring: Query }>('/v1/console/account/usage', MEMBER, async (req) => {
    const q = req.query;
    const groups = usageGroups(q.group_by, ['day', 'model', 'key']);
    const filter = { accountId: memberAccountOf(req), keyId: q.key_id, model: q.model, from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to') };
    return { object: 'list', currency: d.ledger.currency, unit: 'micro', data: await usageReport(usageDeps, filter, groups) };
  });

  app.get<{ Querystring: Query }>('/v1/console/account/ledger', MEMBER, async (req) => {
    const q = req.query;
    const filter = { accountId: memberAccountOf(req), from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to') };
    return { ...(await ledgerPage(db, filter, q.after, pageLimit(q.limit))), currency: d.ledger.currency, unit: 'micro' };
  });

  app.get<{ Querystring: Query }>('/v1/console/account/requests', MEMBER, async (req) => {
    const q = req.query;
    const filter = {
      id: q.id,
      status: httpStatus(q.status),
      errorCode: q.error_code,
      model: q.model,
      keyId: q.key_id,
      accountId: memberAccountOf(req),
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to'),
    };
    await d.requestLog.flush();
    return requestPage(db, filter, q.after, pageLimit(q.limit));
  });

  app.get<{ Params: { id: string } }>('/v1/console/account/requests/:id', MEMBER, async (req) => {
    await d.requestLog.flush();
    return requestDetail(db, req.params.id, memberAccountOf(req));
  });

  app.get<{ Querystring: Query }>('/v1/console/account/tasks', MEMBER, async (req) => {
    const q = req.query;
    const filter = { status: oneOf(q.status, TASK_STATUSES, 'status'), model: q.model, accountId: memberAccountOf(req) };
    return taskPage(db, filter, q.after, pageLimit(q.limit), d.config.publicUrl);
  });

  app.get<{ Params: { id: string } }>('/v1/console/account/tasks/:id', MEMBER, async (req) =>
    taskDetail(db, await mustTask(d.taskStore, req.params.id, memberAccountOf(req)), d.config.publicUrl),
  );

  app.post<{ Params: { id: string } }>('/v1/console/account/tasks/:id/cancel', MEMBER, async (req) => {
    const row = await mustTask(d.taskStore, req.params.id, memberAccountOf(req));
    return taskDetail(db, await cancelTaskAudited({ db, tasks: d.tasks, auditLog: d.auditLog }, req, row), d.config.publicUrl);
  });
}
