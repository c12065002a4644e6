/**
 * The shapes the console sends and receives, taken from the server's own schemas and view functions with
 * `import type`, so the two cannot drift and no server code reaches the bundle. The few answers the server
 * builds inline (providers) are spelled out here from the server types they are made of.
 */
import type { z } from 'zod';
import type { Overview, OverviewBucket, OverviewRange } from '../../../src/billing/overview.js';
import type { UsageGroup, UsageRow } from '../../../src/billing/usage.js';
import type {
  ConsoleConfigView,
  ConsoleSessionView,
  CreatedInviteView,
  CreateInviteBody,
  CreateUserBody,
  InviteView,
  KeyPolicy,
  MemberAccountView,
  SignInBody,
  SignUpBody,
  UpdateUserBody,
  UserView,
} from '../../../src/server/console-api.js';
import type { AccountView, KeyAttributesSchema } from '../../../src/server/routes/admin.js';
import type { AdminModelView } from '../../../src/server/routes/admin-models.js';
import type { RequestView } from '../../../src/server/routes/admin-records.js';
import type { TaskDetailView } from '../../../src/server/routes/admin-tasks.js';
import type { renderTask } from '../../../src/server/task-object.js';
import type { RouteAttemptStats } from '../../../src/server/upstream-stats.js';
import type {
  CreateTopupBatchBody,
  TopupBatchView,
  TopupBatchVoidView,
  TopupCodeStateName,
  TopupCodeView,
  TopupRedemptionView,
} from '../../../src/server/topup-api.js';
import type { AuditAction, describeAudit } from '../../../src/store/audit-log.js';
import type { describeKey } from '../../../src/store/keys.js';

export type {
  ConsoleConfigView,
  CreatedInviteView,
  CreateInviteBody,
  CreateTopupBatchBody,
  InviteView,
  KeyPolicy,
  MemberAccountView,
  SignUpBody,
  TopupBatchView,
  TopupBatchVoidView,
  TopupCodeStateName,
  TopupCodeView,
  TopupRedemptionView,
  AdminModelView,
  AuditAction,
  AccountView,
  ConsoleSessionView,
  CreateUserBody,
  Overview,
  OverviewBucket,
  OverviewRange,
  RequestView,
  SignInBody,
  UpdateUserBody,
  UsageGroup,
  UsageRow,
  UserView,
};

export interface List<T> {
  object: 'list';
  data: T[];
}

/** Newest-first pages of the admin records (`after` = the previous page's last_id). */
export interface Page<T> extends List<T> {
  has_more: boolean;
  last_id: string | null;
}

/** Money answers name their currency; amounts are integer micro-units. */
export interface Priced {
  currency: string;
  unit: 'micro';
}

export type KeyView = ReturnType<typeof describeKey>;
export type KeyAttributes = z.input<typeof KeyAttributesSchema>;
export type CreateKeyBody = KeyAttributes & { account_id?: string; admin?: boolean };
export type CreatedKey = KeyView & { key: string; webhook_secret: string | null };

export type AuditEntryView = ReturnType<typeof describeAudit>;
export type TaskView = ReturnType<typeof renderTask> & { account_id: string | null; key_id: string | null };
/** `GET /v1/admin/tasks/:id` and the answer of its cancel. */
export type TaskDetail = TaskDetailView;
export type RequestDetail = RequestView & { request_shape: unknown };
export type LedgerEntry = {
  id: string;
  account_id: string;
  key_id: string | null;
  billing_transaction_id: string | null;
  kind: string;
  amount: number;
  charged: number | null;
  balance_after: number;
  note: string | null;
  created_at: string;
};
export type MoneyBody = { amount: number; note: string };
export type MoneyResult = { billing_transaction_id: string; account_id: string; balance: number } & Priced;

export type OverviewView = Overview & Priced & { object: 'admin.overview' };

export interface ProviderRouteView {
  id: string;
  model: string;
  configured: boolean;
  missing_env: string | null;
  attempts: RouteAttemptStats['attempts'];
  latency_ms: RouteAttemptStats['latency_ms'];
  circuit: { state: string; failures: number; open_until: string | null };
}

export interface ProviderView {
  object: 'admin.provider';
  name: string;
  builtin: boolean;
  configured: boolean;
  missing_env: string | null;
  routes: ProviderRouteView[];
}
