/** Console users and sessions as the API shows them (console-api.ts defines the shapes). */
import type { ActiveSession } from '../store/console-sessions.js';
import type { ConsoleUserRow } from '../store/console-users.js';
import type { ConsoleSessionView, UserView } from './console-api.js';

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Never the password hash. */
export function userView(u: ConsoleUserRow): UserView {
  return {
    id: u.id,
    object: 'console.user',
    email: u.email,
    role: u.role,
    account_id: u.account_id,
    disabled: u.disabled_at !== null,
    created: seconds(u.created_at),
    last_sign_in_at: u.last_sign_in_at === null ? null : seconds(u.last_sign_in_at),
  };
}

export function sessionView(s: ActiveSession, needsOperator: boolean): ConsoleSessionView {
  return {
    object: 'console.session',
    user: s.identity.kind === 'user' ? userView(s.identity.user) : null,
    via: s.identity.kind === 'user' ? 'password' : 'admin_key',
    csrf_token: s.csrfToken,
    expires_at: seconds(s.expiresAt),
    idle_expires_at: seconds(s.idleExpiresAt),
    needs_operator: needsOperator,
  };
}
