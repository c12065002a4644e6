/**
 * The console's sign-in and user API: the request schemas the server validates with and the shapes it
 * answers with. The console (console/) imports these types, so the browser and the server cannot drift.
 */
import { z } from 'zod';
import type { AccountView } from './account-view.js';

export type { KeyPolicy } from '../domain/key-policy.js';

export const CONSOLE_ROLES = ['operator', 'member'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
/** Long enough to resist guessing, short enough that hashing it costs a bounded time. */
const password = z.string().min(12, 'must be at least 12 characters').max(256);

/** `POST /v1/console/sign-in`: a console user's email and password, or the admin key (to create the first operator). */
export const SignInSchema = z.union([
  z.object({ email, password: z.string().min(1).max(256) }).strict(),
  z.object({ admin_key: z.string().min(1).max(512) }).strict(),
]);
export type SignInBody = z.input<typeof SignInSchema>;

/** `POST /v1/admin/users`. A member belongs to one account; an operator to none. */
export const CreateUserSchema = z
  .object({
    email,
    password,
    role: z.enum(CONSOLE_ROLES),
    account_id: z.string().min(1).nullable().optional(),
  })
  .strict();
export type CreateUserBody = z.input<typeof CreateUserSchema>;

/** `PATCH /v1/admin/users/:id`. A new password or disabling the user ends every session of the user. */
export const UpdateUserSchema = z
  .object({
    password: password.optional(),
    disabled: z.boolean().optional(),
  })
  .strict();
export type UpdateUserBody = z.input<typeof UpdateUserSchema>;

/** A console user as the API shows it: never the password hash. Times are unix seconds. */
export interface UserView {
  id: string;
  object: 'console.user';
  email: string;
  role: ConsoleRole;
  account_id: string | null;
  disabled: boolean;
  created: number;
  last_sign_in_at: number | null;
}

/** `POST /v1/console/sign-in` and `GET /v1/console/session`. */
export interface ConsoleSessionView {
  object: 'console.session';
  /** Null when signed in with the admin key. */
  user: UserView | null;
  via: 'password' | 'admin_key';
  /** Sent back as `x-csrf-token` on every POST, PUT, PATCH and DELETE made with the session cookie. */
  csrf_token: string;
  /** The session ends at the earlier of these (unix seconds); each request moves the idle one forward. */
  expires_at: number;
  idle_expires_at: number;
  /** True while no operator user exists: the console asks the admin-key session to create one. */
  needs_operator: boolean;
}

/** The session cookie's name, and the header that carries the CSRF token. */
export const SESSION_COOKIE = 'imagegate_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Who may sign up (IMAGEGATE_SIGNUP): nobody (operators create members), holders of an invite, or anyone. */
export type SignupMode = 'off' | 'invite' | 'open';

/** `GET /v1/console/config`: what the sign-in page offers before anyone is signed in. */
export interface ConsoleConfigView {
  signup: SignupMode;
}

/** `POST /v1/console/sign-up`: answered with a `ConsoleSessionView` and the session cookie. */
export const SignUpSchema = z
  .object({
    email,
    password,
    invite: z.string().min(1).max(200).optional(),
  })
  .strict();
export type SignUpBody = z.input<typeof SignUpSchema>;

/** `POST /v1/admin/invites`. Without account_id the invite signs its holder up with a new account. */
export const CreateInviteSchema = z
  .object({
    account_id: z.string().min(1).nullable().optional(),
    email: email.nullable().optional(),
    expires_in_hours: z
      .number()
      .int()
      .positive()
      .max(24 * 365)
      .default(168),
  })
  .strict();
export type CreateInviteBody = z.input<typeof CreateInviteSchema>;

export type InviteState = 'open' | 'used' | 'revoked' | 'expired';

/** An invite as the admin API lists it: never the token. Times are unix seconds. */
export interface InviteView {
  id: string;
  object: 'console.invite';
  account_id: string | null;
  email: string | null;
  state: InviteState;
  expires_at: number;
  created: number;
  created_by: string;
  used_at: number | null;
  used_by: string | null;
  revoked_at: number | null;
}

/** `POST /v1/admin/invites`: the token and the link to pass on, shown this once. */
export interface CreatedInviteView extends InviteView {
  token: string;
  url: string;
}

/** `GET /v1/console/account`: the member's own account, as the admin API shows it, with this month's spend. */
export interface MemberAccountView extends AccountView {
  /** Charged this UTC calendar month, micro-units. */
  spend_this_month: number;
}
