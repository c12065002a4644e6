/** Accounts, keys, money and records as the client, member and admin APIs answer with them. */
import { z } from 'zod';
import { OVERVIEW_RANGES } from '../../../billing/overview.js';
import { KeyPolicySchema } from '../../../domain/key-policy.js';
import { AUDIT_ACTIONS } from '../../../store/audit-log.js';
import { KEY_STATUSES } from '../../../store/keys.js';
import { TASK_STATUSES } from '../../records/tasks.js';
import { describes, currency, isoTime, MICRO, micro, pageOf, unixSeconds } from './common.js';
import { Task, WebhookAttempt, WebhookStatus } from './images.js';
import type { AccountView } from '../../account-view.js';
import type { MemberAccountView } from '../../console-api.js';
import type { describeKey } from '../../../store/keys.js';
import type { createKeyAudited, fundedKeyAnswer, revokeKeyAudited } from '../../records/keys.js';
import type { LedgerEntryView } from '../../records/ledger.js';
import type { RequestView } from '../../records/requests.js';
import type { TaskDetailView } from '../../records/tasks.js';
import type { describeAudit } from '../../../store/audit-log.js';
import type { UsageRow as UsageRowView } from '../../../billing/usage.js';

export const Balance = z.object({
  object: z.literal('balance'),
  account_id: z.string(),
  available: micro,
  held: micro.describe('Held by requests in flight.'),
  open_holds: z.number().int(),
  currency,
  unit: MICRO,
});

export const UsageRow = describes<UsageRowView>()(
  z.object({
    day: z.string().optional(),
    model: z.string().nullable().optional(),
    key_id: z.string().nullable().optional(),
    account_id: z.string().nullable().optional(),
    requests: z.number().int(),
    succeeded: z.number().int(),
    images: z.number().int(),
    spend: micro,
    input_text_tokens: z.number().int(),
    input_image_tokens: z.number().int(),
    output_image_tokens: z.number().int(),
    output_text_tokens: z.number().int(),
  }),
);

export const UsageReport = z.object({ object: z.literal('list'), account_id: z.string().optional(), currency, unit: MICRO, data: z.array(UsageRow) });

export const UsageQuery = z.object({
  group_by: z.string().optional().describe('Comma-separated: day, model, key (and account on the admin API).'),
  key_id: z.string().optional(),
  model: z.string().optional(),
  from: z.string().optional().describe('ISO date or unix seconds.'),
  to: z.string().optional().describe('ISO date or unix seconds, exclusive.'),
});

export const Account = describes<AccountView>()(
  z.object({
    id: z.string(),
    object: z.literal('account'),
    name: z.string(),
    balance: micro,
    held: micro,
    open_holds: z.number().int(),
    currency,
    unit: MICRO,
    key_policy: KeyPolicySchema,
    created: unixSeconds,
  }),
);

export const MemberAccount = describes<MemberAccountView>()(Account.extend({ spend_this_month: micro }));

export const AccountPage = pageOf(Account);

export const MoneyMoved = z.object({ billing_transaction_id: z.string(), account_id: z.string(), balance: micro, currency, unit: MICRO });

export const ApiKey = describes<ReturnType<typeof describeKey>>()(
  z.object({
    id: z.string(),
    object: z.literal('api_key'),
    account_id: z.string(),
    name: z.string().nullable(),
    prefix: z.string(),
    admin: z.boolean(),
    status: z.enum(KEY_STATUSES as [string, ...string[]]),
    expires_at: unixSeconds.nullable(),
    models: z.array(z.string()).nullable(),
    rpm: z.number().int().nullable(),
    ipm: z.number().int().nullable(),
    max_concurrency: z.number().int().nullable(),
    spend_cap_day: micro.nullable(),
    spend_cap_month: micro.nullable(),
    drop_unsupported: z.boolean(),
    callback_url: z.string().nullable(),
    created: unixSeconds,
    created_by: z.string().nullable(),
  }),
);

export const CreatedApiKey = describes<Awaited<ReturnType<typeof createKeyAudited>>>()(
  ApiKey.extend({
    key: z.string().describe('The secret: shown this once.'),
    webhook_secret: z.string().nullable().describe("Signs this key's task webhooks: shown this once."),
  }),
);

export const FundedApiKey = describes<ReturnType<typeof fundedKeyAnswer>>()(
  CreatedApiKey.extend({
    account: Account.describe('The account the key draws on.'),
    can_spend: micro.describe("What the key can spend now: the account's balance within the key's spend caps."),
    add_credit: z.string().describe('How to add credit to that account: the CLI command and console pages.'),
  }),
);

export const ApiKeyPage = pageOf(ApiKey);

export const RevokedKey = describes<Awaited<ReturnType<typeof revokeKeyAudited>>>()(
  z.object({ id: z.string(), object: z.literal('api_key'), status: z.literal('revoked') }),
);

export const LedgerEntry = describes<LedgerEntryView>()(
  z.object({
    id: z.string(),
    account_id: z.string(),
    key_id: z.string().nullable(),
    billing_transaction_id: z.string(),
    kind: z.string(),
    amount: z.number().int().describe('Signed change of the available balance.'),
    charged: z.number().int().describe('Money charged by this entry (settle entries only).'),
    balance_after: z.number().int(),
    note: z.string().nullable(),
    created_at: isoTime,
  }),
);

export const LedgerPage = pageOf(LedgerEntry).extend({ currency, unit: MICRO });
export const LedgerExport = z.object({ object: z.literal('list'), currency, unit: MICRO, data: z.array(LedgerEntry) });

export const RequestRecord = describes<RequestView>()(
  z.object({
    id: z.string(),
    object: z.literal('request'),
    created_at: isoTime,
    traffic: z.enum(['client', 'admin']),
    account_id: z.string().nullable(),
    key_id: z.string().nullable(),
    endpoint: z.string(),
    operation: z.string().nullable(),
    model: z.string().nullable(),
    status: z.number().int(),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    route: z.string().nullable(),
    upstream_request_id: z.string().nullable(),
    latency_ms: z.number().nullable(),
    images: z.number().int().nullable(),
    amount: z.number().int().nullable(),
    billing_transaction_id: z.string().nullable(),
    input_text_tokens: z.number().int().nullable(),
    input_image_tokens: z.number().int().nullable(),
    output_image_tokens: z.number().int().nullable(),
    output_text_tokens: z.number().int().nullable(),
  }),
);

export const RequestPage = pageOf(RequestRecord);
export const RequestDetail = RequestRecord.extend({
  request_shape: z.unknown().describe('The request as received, without keys or image data.'),
});

export const RequestQuery = z.object({
  id: z.string().optional(),
  status: z.string().optional().describe('An HTTP status, e.g. 402.'),
  error_code: z.string().optional(),
  model: z.string().optional(),
  key_id: z.string().optional(),
});

export const ListedTask = Task.extend({ account_id: z.string(), key_id: z.string().nullable() });
export const ListedTaskPage = pageOf(ListedTask);

export const TaskDetail = describes<TaskDetailView>()(
  ListedTask.extend({
    account: z.object({ id: z.string(), name: z.string() }).nullable(),
    key: z.object({ id: z.string(), name: z.string().nullable(), prefix: z.string(), status: z.string() }).nullable(),
    endpoint: z.string(),
    attempts: z.number().int(),
    quoted: z.number().int().nullable(),
    hold: z.object({ billing_transaction_id: z.string(), amount: micro, status: z.string(), charged: z.number().int().nullable() }).nullable(),
    upstream_task_id: z.string().nullable(),
    route: z.string().nullable(),
    lease_until: unixSeconds.nullable(),
    webhook: z
      .object({ url: z.string().nullable(), status: WebhookStatus, attempts: z.array(WebhookAttempt), next_attempt_at: unixSeconds.nullable() })
      .nullable(),
  }),
);

export const TaskStatusQuery = z.object({ status: z.enum(TASK_STATUSES as [string, ...string[]]).optional(), model: z.string().optional() });

export const AuditEntry = describes<ReturnType<typeof describeAudit>>()(
  z.object({
    id: z.string(),
    object: z.literal('audit_entry'),
    at: isoTime,
    actor: z.string(),
    actor_ip: z.string().nullable(),
    action: z.enum(AUDIT_ACTIONS as [string, ...string[]]),
    target: z.object({ kind: z.string(), id: z.string() }),
    amount: z.number().int().nullable(),
    diff: z.record(z.string(), z.unknown()).nullable(),
    note: z.string().nullable(),
  }),
);

export const AuditPage = pageOf(AuditEntry);

const count = z.number().int();
export const Overview = z.object({
  object: z.literal('admin.overview'),
  currency,
  unit: MICRO,
  range: z.enum(Object.keys(OVERVIEW_RANGES) as [string, ...string[]]),
  bucket_seconds: z.number().int(),
  buckets: z.array(z.object({ start: z.number().int(), requests: count, errors: count, error_rate: z.number(), images: count, revenue: micro })),
  open_holds: z.object({ count, amount: micro }),
  tasks: z.record(z.string(), count),
});

export const ProviderList = z.object({
  object: z.literal('list'),
  scope: z.literal('process').describe("This process's own attempts and circuits."),
  data: z.array(
    z.object({
      object: z.literal('admin.provider'),
      name: z.string(),
      builtin: z.boolean(),
      configured: z.boolean(),
      missing_env: z.string().nullable(),
      routes: z.array(
        z.object({
          id: z.string(),
          model: z.string(),
          configured: z.boolean(),
          missing_env: z.string().nullable(),
          attempts: z.record(z.string(), z.number().int()).describe('Upstream attempts by outcome.'),
          latency_ms: z.object({ p50: z.number(), p95: z.number(), window: z.number().int() }).nullable(),
          circuit: z.object({ state: z.string(), failures: z.number().int(), open_until: z.string().nullable() }),
        }),
      ),
    }),
  ),
});
