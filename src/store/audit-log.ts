/**
 * The audit log: who changed which money or access through the admin API, append-only. A change made in a
 * transaction writes its row in that transaction (`entryWork`), so the change and its record commit
 * together; a change that is a single statement writes the row right after it (`record`).
 */
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../domain/ids.js';
import type { AuditLogTable, Database } from './schema.js';
import { run, type TxWork } from './transact.js';

export type AuditAction =
  | 'account.create'
  | 'account.credit'
  | 'account.debit'
  | 'account.update'
  | 'key.create'
  | 'key.update'
  | 'key.revoke'
  | 'user.create'
  | 'user.update'
  | 'user.disable'
  | 'task.cancel'
  | 'topup.create'
  | 'topup.void'
  | 'topup.redeem'
  | 'invite.create'
  | 'invite.revoke';
export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'account.create',
  'account.credit',
  'account.debit',
  'account.update',
  'key.create',
  'key.update',
  'key.revoke',
  'user.create',
  'user.update',
  'user.disable',
  'task.cancel',
  'topup.create',
  'topup.void',
  'topup.redeem',
  'invite.create',
  'invite.revoke',
];

/** Who made a change, and from where. */
export interface AuditActor {
  /** The admin key's id (`key_…`), or the console user's (`usr_…`) for a change made in the console (a member's, for a redemption). */
  id: string;
  ip: string | null;
}

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  target: { kind: 'account' | 'api_key' | 'console_user' | 'task' | 'topup_code' | 'topup_batch' | 'invite'; id: string };
  /** Signed micro-units, for money actions. */
  amount?: number;
  /** The attributes set, for access actions. Callers pass attributes only: a secret has no field here. */
  diff?: Record<string, unknown>;
  note?: string | null;
}

export interface AuditFilter {
  action?: AuditAction;
  targetId?: string;
  actor?: string;
  /** ms, inclusive. */
  from?: number;
  /** ms, exclusive. */
  to?: number;
  /** The last id of the previous page. */
  after?: string;
  limit: number;
}

export type AuditRow = Selectable<AuditLogTable>;

export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  /** The row's insert, as part of the caller's transaction. */
  *entryWork(e: AuditEntry, now = Date.now()): TxWork<void> {
    yield* run(this.db.insertInto('audit_log').values(toRow(e, now)));
  }

  /** Writes the row now: for a change that was one statement of its own. */
  async record(e: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_log').values(toRow(e, Date.now())).execute();
  }

  /** Newest first. */
  async list(f: AuditFilter): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (f.action) q = q.where('action', '=', f.action);
    if (f.targetId) q = q.where('target_id', '=', f.targetId);
    if (f.actor) q = q.where('actor', '=', f.actor);
    if (f.from !== undefined) q = q.where('at', '>=', f.from);
    if (f.to !== undefined) q = q.where('at', '<', f.to);
    if (f.after) {
      const after = f.after;
      q = q.where('seq', '<', (eb) => eb.selectFrom('audit_log').select('seq').where('id', '=', after));
    }
    return q.orderBy('seq', 'desc').limit(f.limit).execute();
  }
}

function toRow(e: AuditEntry, now: number) {
  return {
    id: newId('aud'),
    at: now,
    actor: e.actor.id,
    actor_ip: e.actor.ip,
    action: e.action,
    target_kind: e.target.kind,
    target_id: e.target.id,
    amount: e.amount ?? null,
    diff: e.diff ? JSON.stringify(e.diff) : null,
    note: e.note ?? null,
  };
}

/** The audit row as the admin API shows it. */
export function describeAudit(r: AuditRow) {
  return {
    id: r.id,
    object: 'audit_entry' as const,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    actor_ip: r.actor_ip,
    action: r.action,
    target: { kind: r.target_kind, id: r.target_id },
    amount: r.amount,
    diff: r.diff ? (JSON.parse(r.diff) as Record<string, unknown>) : null,
    note: r.note,
  };
}
