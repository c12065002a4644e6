/** Console users, sessions, invites and top-up codes as the console and admin APIs answer with them. */
import { z } from 'zod';
import { INVITE_STATES } from '../../../store/invites.js';
import { CONSOLE_ROLES } from '../../console-api.js';
import { TOPUP_CODE_STATES } from '../../topup-api.js';
import { describes, currency, MICRO, micro, pageOf, unixSeconds } from './common.js';
import type { ConsoleConfigView, ConsoleSessionView, CreatedInviteView, InviteView, UserView } from '../../console-api.js';
import type { TopupBatchView, TopupBatchVoidView, TopupCodeView, TopupRedemptionView } from '../../topup-api.js';

export const User = describes<UserView>()(
  z.object({
    id: z.string(),
    object: z.literal('console.user'),
    email: z.string(),
    role: z.enum(CONSOLE_ROLES),
    account_id: z.string().nullable(),
    disabled: z.boolean(),
    created: unixSeconds,
    last_sign_in_at: unixSeconds.nullable(),
  }),
);

export const UserList = z.object({ object: z.literal('list'), data: z.array(User) });

export const Session = describes<ConsoleSessionView>()(
  z.object({
    object: z.literal('console.session'),
    user: User.nullable().describe('Null when signed in with the admin key.'),
    via: z.enum(['password', 'admin_key']),
    csrf_token: z.string().describe('Send it back as x-csrf-token on every POST, PATCH and DELETE made with the session cookie.'),
    expires_at: unixSeconds,
    idle_expires_at: unixSeconds,
    needs_operator: z.boolean(),
  }),
);

export const ConsoleConfig = describes<ConsoleConfigView>()(z.object({ signup: z.enum(['off', 'invite', 'open']) }));

export const Invite = describes<InviteView>()(
  z.object({
    id: z.string(),
    object: z.literal('console.invite'),
    account_id: z.string().nullable(),
    email: z.string().nullable(),
    state: z.enum(INVITE_STATES),
    expires_at: unixSeconds,
    created: unixSeconds,
    created_by: z.string(),
    used_at: unixSeconds.nullable(),
    used_by: z.string().nullable(),
    revoked_at: unixSeconds.nullable(),
  }),
);

export const CreatedInvite = describes<CreatedInviteView>()(Invite.extend({ token: z.string().describe('Shown this once.'), url: z.string() }));
export const InvitePage = pageOf(Invite);

export const TopupBatch = describes<TopupBatchView>()(
  z.object({
    object: z.literal('topup_code_batch'),
    batch_id: z.string(),
    amount: micro,
    count: z.number().int(),
    expires_at: unixSeconds.nullable(),
    note: z.string().nullable(),
    created: unixSeconds,
    codes: z.array(z.object({ id: z.string(), code: z.string() })).describe("The codes' text: shown this once."),
  }),
);

export const TopupCode = describes<TopupCodeView>()(
  z.object({
    id: z.string(),
    object: z.literal('topup_code'),
    prefix: z.string(),
    batch_id: z.string(),
    amount: micro,
    state: z.enum(TOPUP_CODE_STATES),
    expires_at: unixSeconds.nullable(),
    note: z.string().nullable(),
    created: unixSeconds,
    redeemed_at: unixSeconds.nullable(),
    redeemed_account_id: z.string().nullable(),
    redeemed_user_id: z.string().nullable(),
  }),
);

export const TopupCodePage = pageOf(TopupCode);
export const TopupBatchVoid = describes<TopupBatchVoidView>()(
  z.object({ object: z.literal('topup_code_batch.void'), batch_id: z.string(), voided: z.number().int() }),
);
export const TopupRedemption = describes<TopupRedemptionView>()(
  z.object({ object: z.literal('topup_redemption'), code_id: z.string(), amount: micro, balance: micro, currency, unit: MICRO }),
);
export const Csv = z.string().describe('CSV with a header row.');
