/**
 * Console users: people who sign in to the console. Changes that take access away (a new password,
 * disabling) end the user's sessions in the same transaction, and can carry the audit row along.
 */
import type { Selectable } from 'kysely';
import { newId } from '../domain/ids.js';
import type { Db } from './db.js';
import type { ConsoleUsersTable } from './schema.js';
import { run, type TxWork } from './transact.js';

export type ConsoleUserRow = Selectable<ConsoleUsersTable>;
export type ConsoleUserRole = ConsoleUsersTable['role'];

/** A member belongs to exactly one account; an operator to none. */
export type Membership = { role: 'operator'; accountId: null } | { role: 'member'; accountId: string };
export type NewConsoleUser = { email: string; passwordHash: string } & Membership;

export interface ConsoleUserChange {
  passwordHash?: string;
  /** true: disabled now; false: enabled again. */
  disabled?: boolean;
}

/** A new user's row, not yet stored. */
export function newUserRow(u: NewConsoleUser, now = Date.now()): ConsoleUserRow {
  return {
    id: newId('usr'),
    email: u.email,
    password_hash: u.passwordHash,
    role: u.role,
    account_id: u.accountId,
    created_at: now,
    disabled_at: null,
    last_sign_in_at: null,
  };
}

export class ConsoleUserStore {
  constructor(private readonly db: Pick<Db, 'kysely' | 'transact'>) {}

  /** The new user, or undefined when a user with that email exists (the unique email decides). */
  async create(u: NewConsoleUser, alongside?: (id: string) => TxWork<void>, now = Date.now()): Promise<ConsoleUserRow | undefined> {
    const row = newUserRow(u, now);
    const store = this;
    return this.db.transact({
      *write() {
        if (!(yield* store.insertWork(row))) return undefined;
        if (alongside) yield* alongside(row.id);
        return row;
      },
    });
  }

  /** Stores the user as part of the caller's transaction; false when a user with that email exists. */
  *insertWork(row: ConsoleUserRow): TxWork<boolean> {
    const res = yield* run(
      this.db.kysely
        .insertInto('console_users')
        .values(row)
        .onConflict((oc) => oc.column('email').doNothing()),
    );
    return Number(res.numAffectedRows ?? 0) > 0;
  }

  async get(id: string): Promise<ConsoleUserRow | undefined> {
    return this.db.kysely.selectFrom('console_users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byEmail(email: string): Promise<ConsoleUserRow | undefined> {
    return this.db.kysely.selectFrom('console_users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async list(): Promise<ConsoleUserRow[]> {
    return this.db.kysely.selectFrom('console_users').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  /** Whether an enabled operator exists: until one does, the admin-key session is asked to create one. */
  async hasOperator(): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('console_users')
      .select('id')
      .where('role', '=', 'operator')
      .where('disabled_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Applies the change; a new password or disabling ends every session of the user in the same transaction.
   * The updated user, or undefined when there is none with this id.
   */
  async update(id: string, change: ConsoleUserChange, alongside?: () => TxWork<void>, now = Date.now()): Promise<ConsoleUserRow | undefined> {
    const db = this.db.kysely;
    const patch: Partial<ConsoleUserRow> = {};
    if (change.passwordHash !== undefined) patch.password_hash = change.passwordHash;
    if (change.disabled !== undefined) patch.disabled_at = change.disabled ? now : null;
    const endsSessions = change.passwordHash !== undefined || change.disabled === true;
    const found = await this.db.transact({
      *write() {
        const res = Object.keys(patch).length
          ? yield* run(db.updateTable('console_users').set(patch).where('id', '=', id))
          : yield* run(db.selectFrom('console_users').select('id').where('id', '=', id));
        const hit = Object.keys(patch).length ? Number(res.numAffectedRows ?? 0) > 0 : res.rows.length > 0;
        if (!hit) return false;
        if (endsSessions) yield* run(db.deleteFrom('console_sessions').where('user_id', '=', id));
        if (alongside) yield* alongside();
        return true;
      },
    });
    return found ? this.get(id) : undefined;
  }

  /** After a successful sign-in: when, and the rehashed password when its parameters were outdated. */
  async signedIn(id: string, rehashed: string | undefined, now = Date.now()): Promise<void> {
    await this.db.kysely
      .updateTable('console_users')
      .set({ last_sign_in_at: now, ...(rehashed ? { password_hash: rehashed } : {}) })
      .where('id', '=', id)
      .execute();
  }
}
