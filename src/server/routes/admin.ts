/**
 * The admin API (the admin key, or an operator's console session): accounts and their money, API keys, usage and the ledger export.
 * The CLI is a thin client of these endpoints.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Selectable, sql } from 'kysely';
import { z } from 'zod';
import type { Accounts } from '../../billing/accounts.js';
import type { Ledger } from '../../billing/ledger.js';
import { USAGE_GROUP_FIELD, usage, type UsageGroup } from '../../billing/usage.js';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import type { LedgerTable } from '../../store/schema.js';
import { describeKey, KEY_STATUSES, type KeyStore, toApiKey, whereKeyStatus } from '../../store/keys.js';
import { OPERATOR_ACCOUNT } from '../../store/bootstrap.js';
import { actingAs } from '../actor.js';
import { ADMIN } from '../audience.js';
import { asCsv, toCsv } from '../csv.js';
import { containsPattern, newestFirst, oneOf, page, pageLimit } from './admin-page.js';

type Query = Record<string, string | undefined>;

const limit = z.number().int().positive().nullable().optional();
const micro = z.number().int().nonnegative().nullable().optional();

export const KeyAttributesSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    expires_at: z.number().int().positive().nullable().optional().describe('unix seconds'),
    models: z.array(z.string().min(1)).nullable().optional(),
    rpm: limit,
    ipm: limit,
    max_concurrency: limit,
    spend_cap_day: micro,
    spend_cap_month: micro,
    drop_unsupported: z.boolean().optional(),
    callback_url: z.string().url().nullable().optional(),
  })
  .strict();

const CreateKeySchema = KeyAttributesSchema.extend({ account_id: z.string().optional(), admin: z.boolean().optional() }).strict();
const CreateAccountSchema = z.object({ name: z.string().min(1).max(200), credit: z.number().int().nonnegative().optional() }).strict();
/** A person moving money says why: the note is the reason kept in the ledger and the audit log. */
const MoneySchema = z.object({ amount: z.number().int().positive(), note: z.string().trim().min(1, 'a reason is required').max(500) }).strict();

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const param = issue.path.join('.') || null;
  throw invalidRequest(param, `${param ? `${param}: ` : ''}${issue.message}`);
}

const toMs = (s: number | null | undefined) => (s == null ? s : s * 1000);

function accountView(a: { id: string; name: string; balance: number; createdAt: number }, held: { amount: number; count: number }, currency: string) {
  return {
    id: a.id,
    object: 'account',
    name: a.name,
    balance: a.balance,
    held: held.amount,
    open_holds: held.count,
    currency,
    unit: 'micro',
    created: Math.floor(a.createdAt / 1000),
  };
}

export type AccountView = ReturnType<typeof accountView>;

/** `?admin=true` lists admin keys only, `?admin=false` client keys only; absent, both. */
function adminFilter(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new GatewayError('invalid_request', 'admin must be true or false.', { param: 'admin' });
}

/** The attributes a key change set, as the audit diff (the schemas hold no secret field). */
const keyDiff = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));

export function adminRoutes(
  app: FastifyInstance,
  d: { db: Db; keys: KeyStore; accounts: Accounts; ledger: Ledger; requestLog: RequestLog; auditLog: AuditLog },
): void {
  const db = d.db.kysely;
  const mustAccount = async (id: string) => {
    const a = await d.accounts.get(id);
    if (!a) throw new GatewayError('not_found', `No account "${id}".`, { param: 'account_id' });
    return a;
  };

  app.post('/v1/admin/accounts', ADMIN, async (req, reply) => {
    const body = parseBody(CreateAccountSchema, req.body);
    const credit = body.credit ?? 0;
    const id = newId('acct');
    const audit = {
      actor: actingAs(req),
      action: 'account.create' as const,
      target: { kind: 'account' as const, id },
      amount: credit,
      diff: { name: body.name },
    };
    // The opening credit is a transaction: the audit row joins it. Without one, the insert stands alone.
    const a = await d.accounts.create(body.name, credit, id, () => d.auditLog.entryWork(audit));
    if (credit === 0) await d.auditLog.record(audit);
    reply.code(201);
    return accountView(a, { amount: 0, count: 0 }, d.ledger.currency);
  });
  app.get<{ Querystring: Query }>('/v1/admin/accounts', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    let sel = db.selectFrom('accounts').selectAll();
    if (q.q) {
      const pattern = containsPattern(q.q);
      sel = sel.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(id) like ${pattern} escape '\\')`);
    }
    const rows = await newestFirst(db, 'accounts', sel, q.after, limit);
    const held = await d.accounts.heldByAccount(rows.slice(0, limit).map((r) => r.id));
    const none = { amount: 0, count: 0 };
    return page(rows, limit, (r) =>
      accountView({ id: r.id, name: r.name, balance: r.balance, createdAt: r.created_at }, held.get(r.id) ?? none, d.ledger.currency),
    );
  });
  app.get<{ Params: { id: string } }>('/v1/admin/accounts/:id', ADMIN, async (req) => {
    const a = await mustAccount(req.params.id);
    return accountView(a, await d.accounts.held(a.id), d.ledger.currency);
  });
  for (const kind of ['credit', 'debit'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/admin/accounts/:id/${kind}`, ADMIN, async (req) => {
      const body = parseBody(MoneySchema, req.body);
      await mustAccount(req.params.id);
      const amount = kind === 'credit' ? body.amount : -body.amount;
      const audit = {
        actor: actingAs(req),
        action: `account.${kind}` as const,
        target: { kind: 'account' as const, id: req.params.id },
        amount,
        note: body.note,
      };
      const r = await d.ledger.adjust(req.params.id, amount, kind, body.note, () => d.auditLog.entryWork(audit));
      return { billing_transaction_id: r.txn, account_id: req.params.id, balance: r.balance, currency: d.ledger.currency, unit: 'micro' };
    });
  }

  app.post('/v1/admin/keys', ADMIN, async (req, reply) => {
    const body = parseBody(CreateKeySchema, req.body);
    const accountId = body.account_id ?? OPERATOR_ACCOUNT;
    await mustAccount(accountId);
    const { key, secret } = await d.keys.create(accountId, {
      ...body,
      expires_at: toMs(body.expires_at),
      isAdmin: body.admin ?? false,
      createdBy: actingAs(req).id,
    });
    await d.auditLog.record({
      actor: actingAs(req),
      action: 'key.create',
      target: { kind: 'api_key', id: key.id },
      diff: { account_id: accountId, ...keyDiff(body) },
    });
    reply.code(201);
    // The secret is shown here once and never again.
    return { ...describeKey(key), key: secret, webhook_secret: key.webhookSecret };
  });
  app.get<{ Querystring: Query }>('/v1/admin/keys', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const status = oneOf(q.status, KEY_STATUSES, 'status');
    const admin = adminFilter(q.admin);
    const now = Date.now();
    let sel = db.selectFrom('api_keys').selectAll();
    if (q.account_id) sel = sel.where('account_id', '=', q.account_id);
    if (admin !== undefined) sel = sel.where('is_admin', '=', admin ? 1 : 0);
    if (status) sel = sel.where(whereKeyStatus(status, now));
    if (q.q) {
      const pattern = containsPattern(q.q);
      sel = sel.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(prefix) like ${pattern} escape '\\')`);
    }
    return page(await newestFirst(db, 'api_keys', sel, q.after, limit), limit, (r) => describeKey(toApiKey(r), now));
  });
  app.get<{ Params: { id: string } }>('/v1/admin/keys/:id', ADMIN, async (req) => {
    const k = await d.keys.get(req.params.id);
    if (!k) throw new GatewayError('not_found', `No key "${req.params.id}".`, { param: 'id' });
    return describeKey(k);
  });
  app.patch<{ Params: { id: string } }>('/v1/admin/keys/:id', ADMIN, async (req) => {
    const body = parseBody(KeyAttributesSchema, req.body);
    const k = await d.keys.update(req.params.id, { ...body, expires_at: toMs(body.expires_at) });
    if (!k) throw new GatewayError('not_found', `No key "${req.params.id}".`, { param: 'id' });
    await d.auditLog.record({ actor: actingAs(req), action: 'key.update', target: { kind: 'api_key', id: k.id }, diff: keyDiff(body) });
    return describeKey(k);
  });
  const revoke = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const id = req.params.id;
    if (!(await d.keys.revoke(id))) throw new GatewayError('not_found', `No key "${id}".`, { param: 'id' });
    await d.auditLog.record({ actor: actingAs(req), action: 'key.revoke', target: { kind: 'api_key', id } });
    return { id, object: 'api_key', status: 'revoked' };
  };
  app.post<{ Params: { id: string } }>('/v1/admin/keys/:id/revoke', ADMIN, revoke);
  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', ADMIN, revoke);

  app.get<{ Querystring: Query }>('/v1/admin/usage', ADMIN, async (req, reply) => {
    const q = req.query;
    const format = oneOf(q.format, ['json', 'csv'] as const, 'format') ?? 'json';
    const groups = (q.group_by ?? 'day').split(',').filter(Boolean) as UsageGroup[];
    for (const g of groups)
      if (!['day', 'model', 'key', 'account'].includes(g)) throw invalidRequest('group_by', 'group_by takes day, model, key, account (comma-separated).');
    // Usage reads the request log, which is written in batches: include this instance's queued rows.
    await d.requestLog.flush();
    const rows = await usage(
      d.db.kysely,
      { accountId: q.account_id, keyId: q.key_id, model: q.model, from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to') },
      groups,
    );
    if (format === 'csv') {
      asCsv(reply, 'usage.csv');
      return toCsv([...groups.map((g) => USAGE_GROUP_FIELD[g]), 'requests', 'succeeded', 'images', 'spend'], rows);
    }
    return { object: 'list', currency: d.ledger.currency, unit: 'micro', data: rows };
  });

  /**
   * Two forms. Without `limit` or `after`: the full export, oldest first, as JSON or `format=csv` (as it has
   * always been). With either: one page, newest first, for an account's detail view.
   */
  app.get<{ Querystring: Query }>('/v1/admin/ledger', ADMIN, async (req, reply) => {
    const q = req.query;
    const format = oneOf(q.format, ['json', 'csv'] as const, 'format') ?? 'json';
    const paged = q.limit !== undefined || q.after !== undefined;
    if (paged && format === 'csv') throw invalidRequest('format', 'format=csv is the full export: leave out limit and after.');
    let sel = db.selectFrom('ledger').selectAll();
    if (q.account_id) sel = sel.where('account_id', '=', q.account_id);
    if (q.billing_transaction_id) sel = sel.where('billing_transaction_id', '=', q.billing_transaction_id);
    const from = dateParam(q.from, 'from');
    const to = dateParam(q.to, 'to');
    if (from !== undefined) sel = sel.where('created_at', '>=', from);
    if (to !== undefined) sel = sel.where('created_at', '<', to);
    if (paged) {
      const limit = pageLimit(q.limit);
      if (q.after) {
        const after = q.after;
        const cursor = await db.selectFrom('ledger').select('seq').where('id', '=', after).executeTakeFirst();
        if (!cursor) throw invalidRequest('after', `after must be the id of a ledger entry of the previous page; there is no "${after}".`);
        sel = sel.where('seq', '<', cursor.seq);
      }
      // Newest first by insertion order: (account_id, seq) makes an account's page a range seek.
      const rows = await sel
        .orderBy('seq', 'desc')
        .limit(limit + 1)
        .execute();
      return { ...page(rows, limit, ledgerView), currency: d.ledger.currency, unit: 'micro' };
    }
    const data = (await sel.orderBy('seq').execute()).map(ledgerView);
    if (format === 'csv') {
      asCsv(reply, 'ledger.csv');
      return toCsv(LEDGER_COLUMNS, data);
    }
    return { object: 'list', currency: d.ledger.currency, unit: 'micro', data };
  });
}

const LEDGER_COLUMNS = ['id', 'account_id', 'key_id', 'billing_transaction_id', 'kind', 'amount', 'charged', 'balance_after', 'note', 'created_at'] as const;

function ledgerView(r: Selectable<LedgerTable>) {
  return {
    id: r.id,
    account_id: r.account_id,
    key_id: r.key_id,
    billing_transaction_id: r.billing_transaction_id,
    kind: r.kind,
    amount: r.amount,
    charged: r.charged,
    balance_after: r.balance_after,
    note: r.note,
    created_at: new Date(r.created_at).toISOString(),
  };
}

export function dateParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (!Number.isFinite(t)) throw invalidRequest(name, `${name} must be an ISO date (2026-11-21) or unix seconds.`);
  return t;
}
