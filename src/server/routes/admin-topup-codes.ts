/**
 * Top-up codes (admin API): make a batch (its codes shown once, as JSON or a CSV download), list codes by
 * batch and state (JSON pages, or the whole list as CSV, never with a code's text), void one code, void a
 * batch's unused codes. Every change is audited in its own transaction.
 */
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import { type TopupCodeStore, whereTopupCodeState } from '../../store/topup-codes.js';
import { actingAs } from '../actor.js';
import { ADMIN } from '../audience.js';
import { asCsv, toCsv } from '../csv.js';
import { CreateTopupBatchSchema, TOPUP_CODE_STATES, type TopupBatchView, type TopupBatchVoidView, VoidTopupBatchSchema } from '../topup-api.js';
import { TOPUP_BATCH_COLUMNS, TOPUP_CODE_COLUMNS, topupCodeView } from '../topup-views.js';
import { parseBody } from './admin.js';
import { newestFirst, oneOf, page, pageLimit } from './admin-page.js';

type Query = Record<string, string | undefined>;

const FORMATS = ['json', 'csv'] as const;

export function adminTopupCodeRoutes(app: FastifyInstance, d: { db: Db; topupCodes: TopupCodeStore; auditLog: AuditLog }): void {
  const db = d.db.kysely;

  app.post<{ Querystring: Query }>('/v1/admin/topup-codes', ADMIN, async (req, reply) => {
    const format = oneOf(req.query.format, FORMATS, 'format') ?? 'json';
    const body = parseBody(CreateTopupBatchSchema, req.body);
    const now = Date.now();
    const expiresAt = body.expires_at == null ? null : body.expires_at * 1000;
    if (expiresAt !== null && expiresAt <= now) throw invalidRequest('expires_at', 'expires_at must be in the future (unix seconds).');
    const note = body.note || null;
    const actor = actingAs(req);
    const batch = await d.topupCodes.issue(
      { amount: body.amount, count: body.count, expiresAt, note, createdBy: actor.id },
      (batchId) =>
        d.auditLog.entryWork({
          actor,
          action: 'topup.create',
          target: { kind: 'topup_batch', id: batchId },
          // The batch's face value; the codes' text is never recorded.
          amount: body.amount * body.count,
          diff: { amount: body.amount, count: body.count, expires_at: body.expires_at ?? null },
          note,
        }),
      now,
    );
    reply.code(201);
    const view: TopupBatchView = {
      object: 'topup_code_batch',
      batch_id: batch.batchId,
      amount: body.amount,
      count: body.count,
      expires_at: body.expires_at ?? null,
      note,
      created: Math.floor(batch.createdAt / 1000),
      codes: batch.codes,
    };
    if (format === 'csv') {
      asCsv(reply, `topup-codes-${batch.batchId}.csv`);
      const common = { batch_id: view.batch_id, amount: view.amount, expires_at: view.expires_at, note };
      return toCsv(
        TOPUP_BATCH_COLUMNS,
        view.codes.map((c) => ({ ...common, id: c.id, code: c.code })),
      );
    }
    return view;
  });

  /** Newest first. Without `limit` or `after`, `format=csv` exports every code the filters match. */
  app.get<{ Querystring: Query }>('/v1/admin/topup-codes', ADMIN, async (req, reply) => {
    const q = req.query;
    const format = oneOf(q.format, FORMATS, 'format') ?? 'json';
    const paged = q.limit !== undefined || q.after !== undefined;
    if (paged && format === 'csv') throw invalidRequest('format', 'format=csv is the whole list: leave out limit and after.');
    const state = oneOf(q.state, TOPUP_CODE_STATES, 'state');
    const now = Date.now();
    let sel = db.selectFrom('topup_codes').selectAll();
    if (q.batch_id) sel = sel.where('batch_id', '=', q.batch_id);
    if (state) sel = sel.where(whereTopupCodeState(state, now));
    if (format === 'csv') {
      const rows = await sel.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      asCsv(reply, q.batch_id ? `topup-codes-${q.batch_id}-list.csv` : 'topup-codes.csv');
      return toCsv(
        TOPUP_CODE_COLUMNS,
        rows.map((r) => topupCodeView(r, now)),
      );
    }
    const limit = pageLimit(q.limit);
    return page(await newestFirst(db, 'topup_codes', sel, q.after, limit), limit, (r) => topupCodeView(r, now));
  });

  app.post<{ Params: { id: string } }>('/v1/admin/topup-codes/:id/void', ADMIN, async (req) => {
    const id = req.params.id;
    const actor = actingAs(req);
    const row = await d.topupCodes.void(id, () => d.auditLog.entryWork({ actor, action: 'topup.void', target: { kind: 'topup_code', id } }));
    return topupCodeView(row);
  });

  app.post('/v1/admin/topup-codes/void', ADMIN, async (req): Promise<TopupBatchVoidView> => {
    const { batch_id } = parseBody(VoidTopupBatchSchema, req.body);
    const actor = actingAs(req);
    const voided = await d.topupCodes.voidBatch(batch_id, (n) =>
      d.auditLog.entryWork({ actor, action: 'topup.void', target: { kind: 'topup_batch', id: batch_id }, diff: { voided: n } }),
    );
    return { object: 'topup_code_batch.void', batch_id, voided: voided.length };
  });
}
