/**
 * Console sessions. The cookie carries a random 32-byte id; the table keeps only its SHA-256, so reading the
 * table (a backup, a replica) signs no one in. A session ends at the earlier of its absolute expiry and its
 * idle expiry; the idle clock is moved forward at most once a minute, so a busy console does not write a
 * row per request. A session opened with the admin key lives only as long as that key stays active.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { ConsoleUserRow } from './console-users.js';
import type { ConsoleSessionsTable } from './schema.js';

export interface SessionLifetimes {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number;
}

/** Whose session it is: a console user's, or the admin key's (signed in with the key itself). */
export type SessionIdentity = { kind: 'user'; user: ConsoleUserRow } | { kind: 'admin_key'; keyId: string };

export interface ActiveSession {
  idHash: string;
  identity: SessionIdentity;
  csrfToken: string;
  createdAt: number;
  /** ms: the earlier of these ends the session. */
  expiresAt: number;
  idleExpiresAt: number;
}

/** The last-seen time is written at most this often. */
export const TOUCH_EVERY_MS = 60_000;

export const hashSessionId = (id: string) => createHash('sha256').update(id).digest('hex');

type SessionRow = Selectable<ConsoleSessionsTable>;

export class ConsoleSessionStore {
  constructor(
    private readonly db: Pick<Db, 'kysely'>,
    private readonly lifetimes: SessionLifetimes,
  ) {}

  /** A new session; the raw id is returned once, for the cookie, and never stored. */
  async open(
    identity: SessionIdentity,
    client: { ip: string | null; userAgent: string | null },
    now = Date.now(),
  ): Promise<{ id: string; session: ActiveSession }> {
    const id = randomBytes(32).toString('base64url');
    const row: SessionRow = {
      id_hash: hashSessionId(id),
      user_id: identity.kind === 'user' ? identity.user.id : null,
      admin_key_id: identity.kind === 'admin_key' ? identity.keyId : null,
      csrf_token: randomBytes(32).toString('base64url'),
      created_at: now,
      last_seen_at: now,
      expires_at: now + this.lifetimes.absoluteMs,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 512) ?? null,
    };
    // Sessions that ran out are of no use to anyone: each sign-in clears them away.
    await this.db.kysely.deleteFrom('console_sessions').where('expires_at', '<=', now).execute();
    await this.db.kysely.insertInto('console_sessions').values(row).execute();
    const session: ActiveSession = {
      idHash: row.id_hash,
      identity,
      csrfToken: row.csrf_token,
      createdAt: now,
      expiresAt: row.expires_at,
      idleExpiresAt: Math.min(row.expires_at, now + this.lifetimes.idleMs),
    };
    return { id, session };
  }

  /** The live session with this raw id, its idle clock moved forward; undefined when none is alive. */
  async authenticate(id: string, now = Date.now()): Promise<ActiveSession | undefined> {
    const idHash = hashSessionId(id);
    const db = this.db.kysely;
    const found = await db
      .selectFrom('console_sessions as s')
      .leftJoin('console_users as u', 'u.id', 's.user_id')
      .leftJoin('api_keys as k', 'k.id', 's.admin_key_id')
      .selectAll('s')
      .select([
        'u.id as u_id',
        'u.email as u_email',
        'u.password_hash as u_password_hash',
        'u.role as u_role',
        'u.account_id as u_account_id',
        'u.created_at as u_created_at',
        'u.disabled_at as u_disabled_at',
        'u.last_sign_in_at as u_last_sign_in_at',
        'k.status as k_status',
        'k.is_admin as k_is_admin',
        'k.expires_at as k_expires_at',
      ])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!found || !timingSafeEqual(Buffer.from(found.id_hash, 'hex'), Buffer.from(idHash, 'hex'))) return undefined;
    const idleExpiresAt = found.last_seen_at + this.lifetimes.idleMs;
    let identity: SessionIdentity | undefined;
    if (found.user_id !== null && found.u_id !== null && found.u_disabled_at === null) {
      identity = {
        kind: 'user',
        user: {
          id: found.u_id,
          email: found.u_email!,
          password_hash: found.u_password_hash!,
          role: found.u_role!,
          account_id: found.u_account_id,
          created_at: found.u_created_at!,
          disabled_at: null,
          last_sign_in_at: found.u_last_sign_in_at,
        },
      };
    } else if (
      found.admin_key_id !== null &&
      found.k_status === 'active' &&
      found.k_is_admin === 1 &&
      (found.k_expires_at === null || found.k_expires_at > now)
    ) {
      identity = { kind: 'admin_key', keyId: found.admin_key_id };
    }
    if (!identity || found.expires_at <= now || idleExpiresAt <= now) {
      await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
      return undefined;
    }
    let lastSeen = found.last_seen_at;
    if (now - lastSeen >= TOUCH_EVERY_MS) {
      await db.updateTable('console_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
      lastSeen = now;
    }
    return {
      idHash,
      identity,
      csrfToken: found.csrf_token,
      createdAt: found.created_at,
      expiresAt: found.expires_at,
      idleExpiresAt: Math.min(found.expires_at, lastSeen + this.lifetimes.idleMs),
    };
  }

  async end(idHash: string): Promise<void> {
    await this.db.kysely.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of the same owner as this one (all of a user's, or all opened with that admin key). */
  async endAllOf(identity: SessionIdentity): Promise<void> {
    const q = this.db.kysely.deleteFrom('console_sessions');
    await (identity.kind === 'user' ? q.where('user_id', '=', identity.user.id) : q.where('admin_key_id', '=', identity.keyId)).execute();
  }
}
