/**
 * API keys: created with a secret shown once, stored as a sha256 hash, looked up by hash and compared in
 * constant time. A short in-process cache keeps the hot path to zero queries per request; revokes and
 * updates clear it in every process through the database's change feed (store/change-feed.ts), and while
 * that feed is down an entry lives at most `cacheMs`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { newId } from '../domain/ids.js';
import type { ChangeFeed } from './change-feed.js';
import type { Db } from './db.js';
import type { ApiKeysTable, Database } from './schema.js';
import type { KeyGrant } from '../domain/principal.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface KeyLimits {
  rpm?: number | null;
  ipm?: number | null;
  max_concurrency?: number | null;
  spend_cap_day?: number | null;
  spend_cap_month?: number | null;
}

export interface KeyAttributes extends KeyLimits {
  name?: string;
  expires_at?: number | null;
  models?: string[] | null;
  drop_unsupported?: boolean;
  callback_url?: string | null;
}

export interface ApiKey extends KeyGrant {
  name: string;
  prefix: string;
  status: 'active' | 'revoked';
  expiresAt: number | null;
  webhookSecret: string | null;
  createdAt: number;
  /** Who created this one through the admin API: the admin key's id, or the console user's; null for keys made at start-up. */
  createdBy: string | null;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function toApiKey(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    prefix: r.prefix,
    isAdmin: r.is_admin === 1,
    status: r.status,
    expiresAt: r.expires_at,
    models: r.models ? (JSON.parse(r.models) as string[]) : null,
    rpm: r.rpm,
    ipm: r.ipm,
    maxConcurrency: r.max_concurrency,
    spendCapDay: r.spend_cap_day,
    spendCapMonth: r.spend_cap_month,
    dropUnsupported: r.drop_unsupported === 1,
    webhookSecret: r.webhook_secret,
    callbackUrl: r.callback_url,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** What a key is now: revoked, past its expiry (still stored as active), or active. */
export type KeyStatus = 'active' | 'revoked' | 'expired';
export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'revoked', 'expired'];

export function keyStatus(k: Pick<ApiKey, 'status' | 'expiresAt'>, now = Date.now()): KeyStatus {
  if (k.status === 'revoked') return 'revoked';
  return k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active';
}

/** The rows whose keyStatus() at `now` is `status`, as a where-clause of api_keys. */
export function whereKeyStatus(status: KeyStatus, now: number) {
  return (eb: ExpressionBuilder<Database, 'api_keys'>) => {
    if (status === 'revoked') return eb('status', '=', 'revoked');
    const expired = eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', now)]);
    return eb.and([eb('status', '=', 'active'), status === 'expired' ? expired : eb.not(expired)]);
  };
}

/** Public view of a key for listings: never the hash or the webhook secret. */
export function describeKey(k: ApiKey, now = Date.now()) {
  return {
    id: k.id,
    object: 'api_key' as const,
    account_id: k.accountId,
    name: k.name,
    prefix: k.prefix,
    admin: k.isAdmin,
    status: keyStatus(k, now),
    expires_at: k.expiresAt ? Math.floor(k.expiresAt / 1000) : null,
    models: k.models,
    rpm: k.rpm,
    ipm: k.ipm,
    max_concurrency: k.maxConcurrency,
    spend_cap_day: k.spendCapDay,
    spend_cap_month: k.spendCapMonth,
    drop_unsupported: k.dropUnsupported,
    callback_url: k.callbackUrl,
    created: Math.floor(k.createdAt / 1000),
    created_by: k.createdBy,
  };
}

export type NewKeyAttributes = KeyAttributes & {
  isAdmin?: boolean;
  secret?: string;
  /** The id of the key or console user making this one; required, so that every caller says (null: made at start-up). */
  createdBy: string | null;
};

/** A new key's row and its secret (generated unless given), not yet stored. */
export function newKeyRow(accountId: string, attrs: NewKeyAttributes): { row: ApiKeyRow; secret: string } {
  const secret = attrs.secret ?? `sk-ig-${randomBytes(24).toString('base64url')}`;
  const row: ApiKeyRow = {
    id: newId('key'),
    account_id: accountId,
    name: attrs.name ?? 'default',
    hash: hashSecret(secret),
    prefix: secret.slice(0, 10),
    is_admin: attrs.isAdmin ? 1 : 0,
    status: 'active',
    expires_at: attrs.expires_at ?? null,
    models: attrs.models ? JSON.stringify(attrs.models) : null,
    rpm: attrs.rpm ?? null,
    ipm: attrs.ipm ?? null,
    max_concurrency: attrs.max_concurrency ?? null,
    spend_cap_day: attrs.spend_cap_day ?? null,
    spend_cap_month: attrs.spend_cap_month ?? null,
    drop_unsupported: attrs.drop_unsupported ? 1 : 0,
    webhook_secret: `whsec_${randomBytes(24).toString('base64url')}`,
    callback_url: attrs.callback_url ?? null,
    created_at: Date.now(),
    created_by: attrs.createdBy,
  };
  return { row, secret };
}

export class KeyStore {
  private readonly cache = new Map<string, { key: ApiKey | null; at: number }>();

  private readonly db: Kysely<Database>;
  private readonly changes: ChangeFeed;

  /**
   * `cacheMs` bounds how long another process's revoke or update can go unseen here while the change feed
   * is down (a database restart); with the feed up, changes arrive in milliseconds.
   */
  constructor(
    store: Pick<Db, 'kysely' | 'changes'>,
    private readonly cacheMs = 1_000,
  ) {
    this.db = store.kysely;
    this.changes = store.changes;
    this.changes.subscribe('api_keys', () => this.cache.clear());
  }

  async create(accountId: string, attrs: NewKeyAttributes): Promise<{ key: ApiKey; secret: string }> {
    const { row, secret } = newKeyRow(accountId, attrs);
    await this.db.insertInto('api_keys').values(row).execute();
    return { key: toApiKey(row), secret };
  }

  /**
   * Store a key with a given secret unless a key with that secret exists: safe when several processes do it
   * at once (the unique hash decides). Whether this call stored it.
   */
  async createIfAbsent(accountId: string, attrs: NewKeyAttributes & { secret: string }): Promise<boolean> {
    const { row } = newKeyRow(accountId, attrs);
    const res = await this.db
      .insertInto('api_keys')
      .values(row)
      .onConflict((oc) => oc.column('hash').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The active, unexpired key with this secret, or undefined. */
  async authenticate(secret: string, now = Date.now()): Promise<ApiKey | undefined> {
    const hash = hashSecret(secret);
    const hit = this.cache.get(hash);
    let key: ApiKey | null;
    if (hit && now - hit.at < this.cacheMs) {
      key = hit.key;
    } else {
      const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      // Constant-time comparison of the digests, so the lookup result is the only thing timing can reveal.
      key = row && timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex')) ? toApiKey(row) : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { key, at: now });
    }
    if (key?.status !== 'active') return undefined;
    if (key.expiresAt !== null && key.expiresAt <= now) return undefined;
    return key;
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toApiKey(row) : undefined;
  }

  async list(filter: { accountId?: string; admin?: boolean } = {}): Promise<ApiKey[]> {
    let q = this.db.selectFrom('api_keys').selectAll().orderBy('created_at');
    if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
    if (filter.admin !== undefined) q = q.where('is_admin', '=', filter.admin ? 1 : 0);
    return (await q.execute()).map(toApiKey);
  }

  async update(id: string, attrs: KeyAttributes): Promise<ApiKey | undefined> {
    const patch: Partial<ApiKeyRow> = {};
    if (attrs.name !== undefined) patch.name = attrs.name;
    if (attrs.expires_at !== undefined) patch.expires_at = attrs.expires_at;
    if (attrs.models !== undefined) patch.models = attrs.models ? JSON.stringify(attrs.models) : null;
    for (const f of ['rpm', 'ipm', 'max_concurrency', 'spend_cap_day', 'spend_cap_month'] as const) {
      if (attrs[f] !== undefined) patch[f] = attrs[f];
    }
    if (attrs.drop_unsupported !== undefined) patch.drop_unsupported = attrs.drop_unsupported ? 1 : 0;
    if (attrs.callback_url !== undefined) patch.callback_url = attrs.callback_url;
    if (Object.keys(patch).length) await this.db.updateTable('api_keys').set(patch).where('id', '=', id).execute();
    await this.changes.publish('api_keys');
    return this.get(id);
  }

  /** Whether a key was revoked; with `scope`, only a client key of that account is (a member's revoke). */
  async revoke(id: string, scope?: { accountId: string }): Promise<boolean> {
    let q = this.db.updateTable('api_keys').set({ status: 'revoked' }).where('id', '=', id);
    if (scope) q = q.where('account_id', '=', scope.accountId).where('is_admin', '=', 0);
    const res = await q.executeTakeFirst();
    await this.changes.publish('api_keys');
    return Number(res.numUpdatedRows) > 0;
  }
}
