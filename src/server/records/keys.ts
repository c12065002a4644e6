/**
 * API keys as the admin API and an account's member manage them: the filtered list, creating one (the secret
 * shown once) and revoking one, each change audited with the person who made it.
 */
import type { FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { howToAddCredit, newKeyCanSpend } from '../../billing/funding.js';
import { GatewayError } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import { describeKey, type KeyAttributes, type KeyStatus, type KeyStore, toApiKey, whereKeyStatus } from '../../store/keys.js';
import type { Database } from '../../store/schema.js';
import type { AccountView } from '../account-view.js';
import { actingAs } from '../actor.js';
import { containsPattern, newestFirst, page } from '../routes/admin-page.js';

export interface KeyFilter {
  accountId?: string;
  /** true: admin keys only; false: client keys only. */
  admin?: boolean;
  status?: KeyStatus;
  /** A substring of the name or prefix. */
  q?: string;
}

export async function keyPage(db: Kysely<Database>, f: KeyFilter, after: string | undefined, limit: number) {
  const now = Date.now();
  let sel = db.selectFrom('api_keys').selectAll();
  if (f.accountId) sel = sel.where('account_id', '=', f.accountId);
  if (f.admin !== undefined) sel = sel.where('is_admin', '=', f.admin ? 1 : 0);
  if (f.status) sel = sel.where(whereKeyStatus(f.status, now));
  if (f.q) {
    const pattern = containsPattern(f.q);
    sel = sel.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(prefix) like ${pattern} escape '\\')`);
  }
  return page(await newestFirst(db, 'api_keys', sel, after, limit, f.accountId), limit, (r) => describeKey(toApiKey(r), now));
}

/** The attributes a key change set, as the audit diff (the schemas hold no secret field). */
export const keyDiff = (body: object) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));

/** Creates and audits a key (`expires_at` in unix seconds, as the API takes it); the answer is the only time its secret and webhook secret are shown. */
export async function createKeyAudited(
  d: { keys: KeyStore; auditLog: AuditLog },
  req: FastifyRequest,
  accountId: string,
  body: KeyAttributes & { admin?: boolean },
) {
  const { admin, ...attrs } = body;
  const { key, secret } = await d.keys.create(accountId, {
    ...attrs,
    expires_at: attrs.expires_at == null ? attrs.expires_at : attrs.expires_at * 1000,
    isAdmin: admin ?? false,
    createdBy: actingAs(req).id,
  });
  await d.auditLog.record({
    actor: actingAs(req),
    action: 'key.create',
    target: { kind: 'api_key', id: key.id },
    diff: { account_id: accountId, ...keyDiff(body) },
  });
  return { ...describeKey(key), key: secret, webhook_secret: key.webhookSecret };
}

export type CreatedKey = Awaited<ReturnType<typeof createKeyAudited>>;

/**
 * A new key as the admin API answers it: with the account it draws on, what it can spend now and how to add
 * credit, since a key of an unfunded account is refused with a 402 at its first priced request.
 */
export function fundedKeyAnswer(created: CreatedKey, account: AccountView) {
  return { ...created, account, can_spend: newKeyCanSpend(account.balance, created), add_credit: howToAddCredit(account.id) };
}

/** Revokes and audits a key; with `scope`, only a client key of that account (another is not found). */
export async function revokeKeyAudited(d: { keys: KeyStore; auditLog: AuditLog }, req: FastifyRequest, id: string, scope?: { accountId: string }) {
  if (!(await d.keys.revoke(id, scope))) throw new GatewayError('not_found', `No key "${id}".`, { param: 'id' });
  await d.auditLog.record({ actor: actingAs(req), action: 'key.revoke', target: { kind: 'api_key', id } });
  return { id, object: 'api_key' as const, status: 'revoked' as const };
}
