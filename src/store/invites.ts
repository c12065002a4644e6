/**
 * Invites to sign up in the console, made by operators: a token shown once (stored as its SHA-256), to join
 * an account or to get a new one, optionally for one email, until it expires. A sign-up claims its invite with
 * a guarded update in the sign-up's own transaction, so a token signs up one person however many try at once.
 */
import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder, Selectable } from 'kysely';
import { GatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Db } from './db.js';
import { hashSecret } from './keys.js';
import type { Database, InvitesTable } from './schema.js';
import { firstOf, type ReadWork, readFirst, run, type TxWork } from './transact.js';

export type InviteRow = Selectable<InvitesTable>;

export const INVITE_STATES = ['open', 'used', 'revoked', 'expired'] as const;
export type InviteState = (typeof INVITE_STATES)[number];

export function inviteState(r: InviteRow, now = Date.now()): InviteState {
  if (r.used_at !== null) return 'used';
  if (r.revoked_at !== null) return 'revoked';
  return r.expires_at <= now ? 'expired' : 'open';
}

/** The rows whose inviteState() at `now` is `state`, as a where-clause of invites. */
export function whereInviteState(state: InviteState, now: number) {
  return (eb: ExpressionBuilder<Database, 'invites'>) => {
    if (state === 'used') return eb('used_at', 'is not', null);
    const unused = eb.and([eb('used_at', 'is', null), eb('revoked_at', 'is', null)]);
    if (state === 'revoked') return eb.and([eb('used_at', 'is', null), eb('revoked_at', 'is not', null)]);
    return eb.and([unused, eb('expires_at', state === 'open' ? '>' : '<=', now)]);
  };
}

export interface NewInvite {
  accountId: string | null;
  email: string | null;
  expiresAt: number;
  createdBy: string;
}

const when = (ms: number) => new Date(ms).toISOString();

/** Why an invite cannot be used now, or undefined when it can. */
export function inviteRefusal(r: InviteRow, now: number): GatewayError | undefined {
  const state = inviteState(r, now);
  if (state === 'used')
    return new GatewayError('already_exists', `This invite was already used (${when(r.used_at!)}): ask for a new one.`, { param: 'invite' });
  if (state === 'revoked')
    return new GatewayError('invalid_request', `This invite was revoked (${when(r.revoked_at!)}): ask for a new one.`, { param: 'invite' });
  if (state === 'expired') return new GatewayError('invalid_request', `This invite expired (${when(r.expires_at)}): ask for a new one.`, { param: 'invite' });
  return undefined;
}

export class InviteStore {
  constructor(private readonly db: Pick<Db, 'kysely' | 'transact'>) {}

  /** The stored invite and its token (shown once); `alongside` (the audit row) commits with it. */
  async create(i: NewInvite, alongside?: (id: string) => TxWork<void>, now = Date.now()): Promise<{ row: InviteRow; token: string }> {
    const token = `igi_${randomBytes(24).toString('base64url')}`;
    const row: InviteRow = {
      id: newId('inv'),
      token_hash: hashSecret(token),
      account_id: i.accountId,
      email: i.email,
      created_by: i.createdBy,
      created_at: now,
      expires_at: i.expiresAt,
      used_at: null,
      used_by: null,
      revoked_at: null,
    };
    const db = this.db.kysely;
    await this.db.transact({
      *write() {
        yield* run(db.insertInto('invites').values(row));
        if (alongside) yield* alongside(row.id);
      },
    });
    return { row, token };
  }

  async get(id: string): Promise<InviteRow | undefined> {
    return this.db.kysely.selectFrom('invites').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Revokes an unused invite, with `alongside` (the audit row) in its transaction. Revoking a revoked one
   * changes nothing; a used one is refused.
   */
  async revoke(id: string, alongside: () => TxWork<void>, now = Date.now()): Promise<InviteRow> {
    const db = this.db.kysely;
    await this.db.transact({
      *check() {
        const r = yield* readFirst(db.selectFrom('invites').selectAll().where('id', '=', id));
        if (!r) throw new GatewayError('not_found', `No invite "${id}".`, { param: 'id' });
        if (r.used_at !== null)
          throw new GatewayError('invalid_request', `Invite ${id} was already used (${when(r.used_at)}): it cannot be revoked.`, { param: 'id' });
      },
      *write() {
        const res = yield* run(
          db.updateTable('invites').set({ revoked_at: now }).where('id', '=', id).where('used_at', 'is', null).where('revoked_at', 'is', null),
        );
        if (Number(res.numAffectedRows ?? 0) > 0) yield* alongside();
      },
    });
    return (await this.get(id))!;
  }

  /** In a transaction's check phase: the usable invite with this token, or the refusal that says why not. */
  *usableWork(token: string, now: number): ReadWork<InviteRow> {
    const r = yield* readFirst(this.db.kysely.selectFrom('invites').selectAll().where('token_hash', '=', hashSecret(token)));
    if (!r) throw new GatewayError('not_found', 'No such invite: check the link, or ask for a new one.', { param: 'invite' });
    const refusal = inviteRefusal(r, now);
    if (refusal) throw refusal;
    return r;
  }

  /**
   * In a transaction's write phase: marks the invite used by `userId`, unless it stopped being usable since
   * it was checked (on PostgreSQL, another sign-up with it committed first); then the refusal is thrown.
   */
  *claimWork(invite: InviteRow, userId: string, now: number): TxWork<void> {
    const claimed = yield* firstOf(
      this.db.kysely
        .updateTable('invites')
        .set({ used_at: now, used_by: userId })
        .where('id', '=', invite.id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('id'),
    );
    if (!claimed) throw new GatewayError('already_exists', 'This invite was already used: ask for a new one.', { param: 'invite' });
  }
}
