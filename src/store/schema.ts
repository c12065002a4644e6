/**
 * Row types of the database, shared by SQLite and PostgreSQL. Portable column types only: text, bigint
 * (ms timestamps, micro-unit money), integer (0/1 booleans), JSON kept as text.
 */
import type { ColumnType, Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  /** Available balance in micro-units (open holds already taken out). Always equals the ledger sum. */
  balance: number;
  created_at: number;
  /** The account's key policy as JSON (domain/key-policy.ts); null: none set. */
  key_policy: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  /** First characters of the secret, for recognising a key in listings. */
  prefix: string;
  is_admin: number;
  status: 'active' | 'revoked';
  expires_at: number | null;
  /** JSON array of model ids this key may use; null = all. */
  models: string | null;
  rpm: number | null;
  ipm: number | null;
  max_concurrency: number | null;
  spend_cap_day: number | null;
  spend_cap_month: number | null;
  drop_unsupported: number;
  webhook_secret: string | null;
  callback_url: string | null;
  created_at: number;
  /** Who created this one through the admin API: an admin key's id or a console user's; null for keys made at start-up. */
  created_by: string | null;
}

export interface HoldsTable {
  /** The billing transaction id (`txn_…`). */
  id: string;
  account_id: string;
  key_id: string | null;
  request_id: string;
  model: string;
  amount: number;
  status: 'open' | 'settled' | 'released';
  charged: number;
  /** The gateway process that owns it; holds of dead owners are released by the sweep. */
  owner: string;
  created_at: number;
  closed_at: number | null;
  /**
   * Whether the hold reserved its amount in the key's spend (the key had a cap when it was made): 1 or 0, so
   * closing gives back only what was reserved. Null on holds made before this was recorded, which reserved
   * whenever their key had a cap and are closed as before.
   */
  spend_reserved: number | null;
}

/** `topup`: a redeemed top-up code's credit. */
export type LedgerKind = 'hold' | 'settle' | 'release' | 'refund' | 'credit' | 'debit' | 'adjustment' | 'topup';

export interface LedgerTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  key_id: string | null;
  /** The billing transaction this entry belongs to (holds and their closing entries share it). */
  billing_transaction_id: string;
  kind: LedgerKind;
  /** Signed change of the available balance. */
  amount: number;
  /** Money actually charged by this entry (settle only). */
  charged: number;
  balance_after: number;
  note: string | null;
  created_at: number;
}

export interface KeySpendTable {
  key_id: string;
  /** `d:2026-11-21` or `m:2026-11` (UTC). */
  period: string;
  amount: number;
}

/**
 * Whose call a request-log row records: `client` for the API clients use (images, chat, tasks, models,
 * files, and unmatched paths), `admin` for the admin API and the console's own calls.
 */
export type RequestTraffic = 'client' | 'admin';

export interface RequestLogTable {
  id: string;
  traffic: RequestTraffic;
  account_id: string | null;
  key_id: string | null;
  model: string | null;
  endpoint: string;
  operation: string | null;
  request_shape: string | null;
  status: number;
  error_code: string | null;
  /** The error message the client got (cut to 500 characters), for a failed request. */
  error_message: string | null;
  upstream_request_id: string | null;
  route: string | null;
  images: number;
  amount: number;
  billing_transaction_id: string | null;
  latency_ms: number;
  created_at: number;
  /** Tokens the upstream reported for the request, by class; null where none were reported. */
  input_text_tokens: number | null;
  input_image_tokens: number | null;
  output_image_tokens: number | null;
  output_text_tokens: number | null;
}

/** Live gateway processes (heartbeat), so a shared database can tell whose holds and leases are orphaned. */
export interface InstancesTable {
  id: string;
  started_at: number;
  last_seen: number;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface TasksTable {
  id: string;
  account_id: string;
  key_id: string | null;
  model: string;
  endpoint: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';
  progress: number | null;
  /** The canonical job as JSON, input images as references to stored blobs. */
  job: string;
  hold_id: string | null;
  quoted: number;
  upstream_task_id: string | null;
  route_id: string | null;
  /** Final response body (JSON) on success. */
  result: string | null;
  /** `{status, body}` (JSON) on failure. */
  error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  attempts: number;
  callback_url: string | null;
  /** Webhook delivery state and attempts (JSON). */
  webhook: string | null;
  next_webhook_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface IdempotencyTable {
  account_id: string;
  key: string;
  body_hash: string;
  /** Null while the first request is still running. */
  status: number | null;
  response: string | null;
  headers: string | null;
  /** The instance running the first request; null for claims written before owners were recorded. */
  owner: string | null;
  /** The task the first request queued (async requests), written with the task. */
  task_id: string | null;
  created_at: number;
}

/** One change of money or access made through the admin API (append-only; rows are never updated). */
export interface AuditLogTable {
  /** Insertion order: the cursor of the audit listing. */
  seq: Generated<number>;
  id: string;
  at: number;
  /** Who made the change: the admin key's id, or the console user's. */
  actor: string;
  actor_ip: string | null;
  action: string;
  target_kind: string;
  target_id: string;
  /** Money moved (micro-units, signed), for money actions. */
  amount: number | null;
  /** JSON of the attributes changed, for access actions; never a secret. */
  diff: string | null;
  note: string | null;
}

/** A person who signs in to the console: an operator (no account) or a member of one account. */
export interface ConsoleUsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  /** `scrypt$N$r$p$salt$hash` (store/password-hash.ts). */
  password_hash: string;
  role: 'operator' | 'member';
  account_id: string | null;
  created_at: number;
  disabled_at: number | null;
  last_sign_in_at: number | null;
}

/** An invite to sign up in the console: to join an account, or (account_id null) to get a new one. */
export interface InvitesTable {
  id: string;
  /** sha256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  account_id: string | null;
  /** When set, only this (lower-cased) email may use the invite. */
  email: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The console user the invite signed up. */
  used_by: string | null;
  revoked_at: number | null;
}

/** A console session. Exactly one of user_id and admin_key_id is set. */
export interface ConsoleSessionsTable {
  /** SHA-256 (hex) of the id in the cookie; the id itself is never stored. */
  id_hash: string;
  user_id: string | null;
  admin_key_id: string | null;
  csrf_token: string;
  created_at: number;
  /** Moved forward at most once a minute; the idle expiry counts from it. */
  last_seen_at: number;
  /** The absolute expiry (ms). */
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

/**
 * A top-up code: a prepaid amount a member redeems into their account once. Only the code's SHA-256 is stored;
 * the code itself is shown once, when its batch is made.
 */
export interface TopupCodesTable {
  id: string;
  batch_id: string;
  /** SHA-256 (hex) of the code's canonical text (store/topup-code-text.ts). */
  hash: string;
  /** The code's first group (`IG-7K3M`), so a person can tell codes apart without the secret. */
  prefix: string;
  amount: number;
  /** Stored state; an unused code past `expires_at` shows as expired. */
  status: 'unused' | 'redeemed' | 'voided';
  /** ms; null: never expires. */
  expires_at: number | null;
  note: string | null;
  created_at: number;
  /** The admin key or console user who made the batch. */
  created_by: string;
  voided_at: number | null;
  redeemed_at: number | null;
  redeemed_account_id: string | null;
  redeemed_user_id: string | null;
  /** The ledger's billing transaction of the credit. */
  redeemed_txn: string | null;
}

/** Images a client uploaded through the Files API (store/files.ts); the bytes are a blob named by the id. */
export interface FilesTable {
  /** `file_…`, also the blob's id. */
  id: string;
  account_id: string;
  /** The key that uploaded it, for the record; any key of the account may use it. */
  key_id: string | null;
  filename: string;
  purpose: string;
  bytes: number;
  /** The blob's extension (`png`, `jpeg`, …), from the sniffed content. */
  ext: string;
  created_at: number;
  /** ms, a whole second: the blob's own expiry, so the row names the blob exactly. */
  expires_at: number;
}

export interface Database {
  files: FilesTable;
  topup_codes: TopupCodesTable;
  console_users: ConsoleUsersTable;
  console_sessions: ConsoleSessionsTable;
  invites: InvitesTable;
  audit_log: AuditLogTable;
  tasks: TasksTable;
  idempotency: IdempotencyTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  holds: HoldsTable;
  ledger: LedgerTable;
  key_spend: KeySpendTable;
  request_log: RequestLogTable;
  settings: SettingsTable;
  instances: InstancesTable;
}
