/**
 * The admin API (the admin key, or an operator's console session): accounts and their money, API keys, usage and the ledger export.
 * The CLI is a thin client of these endpoints.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { type Accounts, heldColumns, heldOf, toAccount } from '../../billing/accounts.js';
import type { Ledger } from '../../billing/ledger.js';
import { USAGE_FIGURES, USAGE_GROUP_FIELD } from '../../billing/usage.js';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { KeyPolicySchema } from '../../domain/key-policy.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import { describeKey, KEY_STATUSES, type KeyStore } from '../../store/keys.js';
import { OPERATOR_ACCOUNT } from '../../store/bootstrap.js';
import { accountView } from '../account-view.js';
import { actingAs } from '../actor.js';
import { ADMIN } from '../audience.js';
import { asCsv, toCsv } from '../csv.js';
import { createKeyAudited, fundedKeyAnswer, keyDiff, keyPage, revokeKeyAudited } from '../records/keys.js';
import { LEDGER_COLUMNS, ledgerExport, ledgerPage } from '../records/ledger.js';
import { usageGroups, usageReport } from '../records/usage.js';
import { containsPattern, newestFirst, oneOf, page, pageLimit } from './admin-page.js';

export type { AccountView } from '../account-view.js';

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

export const CreateKeySchema = KeyAttributesSchema.extend({ account_id: z.string().optional(), admin: z.boolean().optional() }).strict();
export const CreateAccountSchema = z.object({ name: z.string().min(1).max(200), credit: z.number().int().nonnegative().optional() }).strict();
/** `PATCH /v1/admin/accounts/:id`: the members' key policy (null: none, any model and limits). */
export const UpdateAccountSchema = z.object({ key_policy: KeyPolicySchema.nullable() }).strict();
/** A person moving money says why: the note is the reason kept in the ledger and the audit log. */
export const MoneySchema = z.object({ amount: z.number().int().positive(), note: z.string().trim().min(1, 'a reason is required').max(500) }).strict();

export function parseBody<T>(schema: z.ZodType<T, unknown>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // A field the schema does not take is named too: it is the one to leave out.
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const param = [...issue.path, ...(unknownKey === undefined ? [] : [unknownKey])].join('.') || null;
  throw invalidRequest(param, `${param ? `${param}: ` : ''}${issue.message}`);
}

/** `?admin=true` lists admin keys only, `?admin=false` client keys only; absent, both. */
function adminFilter(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new GatewayError('invalid_request', 'admin must be true or false.', { param: 'admin' });
}

export function adminRoutes(
  app: FastifyInstance,
  d: { db: Db; keys: KeyStore; accounts: Accounts; ledger: Ledger; requestLog: RequestLog; auditLog: AuditLog },
): void {
  const db = d.db.kysely;
  const mustStanding = async (id: string) => {
    const s = await d.accounts.standing(id);
    if (!s) throw new GatewayError('not_found', `No account "${id}".`, { param: 'account_id' });
    return s;
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
    // The account, its opening credit and the audit row commit together.
    const a = await d.accounts.create(body.name, credit, id, () => d.auditLog.entryWork(audit));
    reply.code(201);
    return accountView({ account: a, held: { amount: 0, count: 0 } }, d.ledger.currency);
  });
  app.get<{ Querystring: Query }>('/v1/admin/accounts', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    let sel = db.selectFrom('accounts').selectAll('accounts').select(heldColumns);
    if (q.q) {
      const pattern = containsPattern(q.q);
      sel = sel.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(id) like ${pattern} escape '\\')`);
    }
    const rows = await newestFirst(db, 'accounts', sel, q.after, limit);
    return page(rows, limit, (r) => accountView({ account: toAccount(r), held: heldOf(r) }, d.ledger.currency));
  });
  app.get<{ Params: { id: string } }>('/v1/admin/accounts/:id', ADMIN, async (req) => {
    return accountView(await mustStanding(req.params.id), d.ledger.currency);
  });
  app.patch<{ Params: { id: string } }>('/v1/admin/accounts/:id', ADMIN, async (req) => {
    const body = parseBody(UpdateAccountSchema, req.body);
    if (!(await d.accounts.setKeyPolicy(req.params.id, body.key_policy))) {
      throw new GatewayError('not_found', `No account "${req.params.id}".`, { param: 'id' });
    }
    await d.auditLog.record({ actor: actingAs(req), action: 'account.update', target: { kind: 'account', id: req.params.id }, diff: body });
    return accountView(await mustStanding(req.params.id), d.ledger.currency);
  });
  for (const kind of ['credit', 'debit'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/admin/accounts/:id/${kind}`, ADMIN, async (req) => {
      const body = parseBody(MoneySchema, req.body);
      await mustStanding(req.params.id);
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
    const { account_id, ...attrs } = parseBody(CreateKeySchema, req.body);
    // Read once: making a key moves no money, so the standing before it is the standing after it.
    const standing = await mustStanding(account_id ?? OPERATOR_ACCOUNT);
    const created = await createKeyAudited(d, req, standing.account.id, attrs);
    reply.code(201);
    return fundedKeyAnswer(created, accountView(standing, d.ledger.currency));
  });
  app.get<{ Querystring: Query }>('/v1/admin/keys', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const filter = { accountId: q.account_id, admin: adminFilter(q.admin), status: oneOf(q.status, KEY_STATUSES, 'status'), q: q.q };
    return keyPage(db, filter, q.after, limit);
  });
  app.get<{ Params: { id: string } }>('/v1/admin/keys/:id', ADMIN, async (req) => {
    const k = await d.keys.get(req.params.id);
    if (!k) throw new GatewayError('not_found', `No key "${req.params.id}".`, { param: 'id' });
    return describeKey(k);
  });
  app.patch<{ Params: { id: string } }>('/v1/admin/keys/:id', ADMIN, async (req) => {
    const body = parseBody(KeyAttributesSchema, req.body);
    const k = await d.keys.update(req.params.id, { ...body, expires_at: body.expires_at == null ? body.expires_at : body.expires_at * 1000 });
    if (!k) throw new GatewayError('not_found', `No key "${req.params.id}".`, { param: 'id' });
    await d.auditLog.record({ actor: actingAs(req), action: 'key.update', target: { kind: 'api_key', id: k.id }, diff: keyDiff(body) });
    return describeKey(k);
  });
  const revoke = (req: FastifyRequest<{ Params: { id: string } }>) => revokeKeyAudited(d, req, req.params.id);
  app.post<{ Params: { id: string } }>('/v1/admin/keys/:id/revoke', ADMIN, revoke);
  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', ADMIN, revoke);

  app.get<{ Querystring: Query }>('/v1/admin/usage', ADMIN, async (req, reply) => {
    const q = req.query;
    const format = oneOf(q.format, ['json', 'csv'] as const, 'format') ?? 'json';
    const groups = usageGroups(q.group_by, ['day', 'model', 'key', 'account']);
    const rows = await usageReport(
      { db, requestLog: d.requestLog },
      { accountId: q.account_id, keyId: q.key_id, model: q.model, from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to') },
      groups,
    );
    if (format === 'csv') {
      asCsv(reply, 'usage.csv');
      return toCsv([...groups.map((g) => USAGE_GROUP_FIELD[g]), ...USAGE_FIGURES], rows);
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
    const filter = { accountId: q.account_id, billingTransactionId: q.billing_transaction_id, from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to') };
    if (paged) return { ...(await ledgerPage(db, filter, q.after, pageLimit(q.limit))), currency: d.ledger.currency, unit: 'micro' };
    const data = await ledgerExport(db, filter);
    if (format === 'csv') {
      asCsv(reply, 'ledger.csv');
      return toCsv(LEDGER_COLUMNS, data);
    }
    return { object: 'list', currency: d.ledger.currency, unit: 'micro', data };
  });
}

export function dateParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (!Number.isFinite(t)) throw invalidRequest(name, `${name} must be an ISO date (2026-11-21) or unix seconds.`);
  return t;
}
