/**
 * A person signing up in the console: a member user of the account their invite names, or of a new account
 * named after their email with the configured opening credit. The invite's claim, the account, its credit,
 * the user and the audit rows are one transaction: a sign-up happens entirely or not at all.
 */
import { GatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { AuditLog } from '../store/audit-log.js';
import { type ConsoleUserRow, type ConsoleUserStore, newUserRow } from '../store/console-users.js';
import type { Db } from '../store/db.js';
import type { InviteRow, InviteStore } from '../store/invites.js';
import { readFirst, type ReadWork, type TxWork } from '../store/transact.js';
import type { Accounts } from './accounts.js';

export interface SignUpDeps {
  db: Pick<Db, 'kysely' | 'transact'>;
  accounts: Accounts;
  users: ConsoleUserStore;
  invites: InviteStore;
  auditLog: AuditLog;
}

export interface SignUp {
  /** Lower-cased. */
  email: string;
  passwordHash: string;
  /** The invite's token, when the person has one. */
  invite?: string;
  /** Whether a sign-up without an invite is allowed (IMAGEGATE_SIGNUP=open). */
  open: boolean;
  /** Opening credit of a new account, micro-units. */
  credit: number;
  ip: string | null;
}

const emailTaken = (email: string) =>
  new GatewayError('already_exists', `A console user with the email "${email}" exists: sign in instead.`, { param: 'email' });

export async function signUp(d: SignUpDeps, s: SignUp, now = Date.now()): Promise<ConsoleUserRow> {
  const kysely = d.db.kysely;
  const check = function* (): ReadWork<InviteRow | undefined> {
    const invite = s.invite === undefined ? undefined : yield* d.invites.usableWork(s.invite, now);
    if (!invite && !s.open) throw new GatewayError('permission_denied', 'Sign-up here needs an invite: ask an operator for one.', { param: 'invite' });
    if (invite?.email && invite.email !== s.email) {
      throw new GatewayError('invalid_request', 'This invite is for another email address.', { param: 'email' });
    }
    if (yield* readFirst(kysely.selectFrom('console_users').select('id').where('email', '=', s.email))) throw emailTaken(s.email);
    return invite;
  };
  const write = function* (invite: InviteRow | undefined): TxWork<ConsoleUserRow> {
    const joining = invite?.account_id ?? null;
    const accountId = joining ?? newId('acct');
    const user = newUserRow({ email: s.email, passwordHash: s.passwordHash, role: 'member', accountId }, now);
    const actor = { id: user.id, ip: s.ip };
    if (invite) yield* d.invites.claimWork(invite, user.id, now);
    if (joining === null) {
      const credit = s.credit;
      yield* d.accounts.createWork({ id: accountId, name: s.email, credit, now }, () =>
        d.auditLog.entryWork({ actor, action: 'account.create', target: { kind: 'account', id: accountId }, amount: credit, diff: { name: s.email } }, now),
      );
    }
    // Only on PostgreSQL, when another sign-up with this email committed after the check read.
    if (!(yield* d.users.insertWork(user))) throw emailTaken(s.email);
    yield* d.auditLog.entryWork(
      {
        actor,
        action: 'user.create',
        target: { kind: 'console_user', id: user.id },
        diff: { email: s.email, role: 'member', account_id: accountId, invite_id: invite?.id ?? null },
      },
      now,
    );
    return user;
  };
  return d.db.transact({ check, write });
}
