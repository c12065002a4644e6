/**
 * One set of migrations for SQLite and PostgreSQL, applied by schema-version.ts. Each migration is
 * append-only: never edit one that has shipped; add the next.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

const m001_core = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('models', 'text')
      .addColumn('rpm', 'integer')
      .addColumn('ipm', 'integer')
      .addColumn('max_concurrency', 'integer')
      .addColumn('spend_cap_day', 'bigint')
      .addColumn('spend_cap_month', 'bigint')
      .addColumn('drop_unsupported', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('webhook_secret', 'text')
      .addColumn('callback_url', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();

    await db.schema
      .createTable('holds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('charged', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_at', 'bigint')
      .execute();
    await db.schema.createIndex('holds_open').on('holds').columns(['status', 'owner']).execute();

    await db.schema
      .createTable('ledger')
      .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('billing_transaction_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('charged', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('balance_after', 'bigint', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ledger_account').on('ledger').columns(['account_id', 'seq']).execute();
    await db.schema.createIndex('ledger_txn').on('ledger').column('billing_transaction_id').execute();

    await db.schema
      .createTable('key_spend')
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('key_spend_pk', ['key_id', 'period'])
      .execute();

    await db.schema
      .createTable('request_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text')
      .addColumn('key_id', 'text')
      .addColumn('model', 'text')
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('operation', 'text')
      .addColumn('request_shape', 'text')
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('upstream_request_id', 'text')
      .addColumn('route', 'text')
      .addColumn('images', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('amount', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('billing_transaction_id', 'text')
      .addColumn('latency_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('request_log_account_time').on('request_log').columns(['account_id', 'created_at']).execute();

    await db.schema
      .createTable('instances')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
});

const m002_tasks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('progress', 'integer')
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('hold_id', 'text')
      .addColumn('quoted', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('upstream_task_id', 'text')
      .addColumn('route_id', 'text')
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('callback_url', 'text')
      .addColumn('webhook', 'text')
      .addColumn('next_webhook_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('tasks_queue').on('tasks').columns(['status', 'lease_until']).execute();
    await db.schema.createIndex('tasks_account').on('tasks').columns(['account_id', 'created_at']).execute();
    await db.schema.createIndex('tasks_webhook').on('tasks').column('next_webhook_at').execute();

    await db.schema
      .createTable('idempotency')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('body_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('response', 'text')
      .addColumn('headers', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_pk', ['account_id', 'key'])
      .execute();
  },
};

/** Leasing reads the oldest pending tasks in order: an index makes that a range scan, not a sort of the queue. */
const m003_task_queue_order: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('tasks_pending_order').on('tasks').columns(['status', 'created_at', 'id']).execute();
  },
};

/**
 * Leasing with a per-account cap walks the accounts that have pending tasks and reads each one's oldest:
 * both are seeks in this index, whatever the size of the backlog.
 */
const m004_task_queue_by_account: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('tasks_pending_account').on('tasks').columns(['status', 'account_id', 'created_at', 'id']).execute();
  },
};

/**
 * Open holds by owner, and only open ones. The index on (status, owner) kept an entry for every hold ever
 * closed, which nothing looks up, and settling moved each hold's entry from one end of it to the other; an
 * index of the open holds alone stays as small as the requests in flight, and every query of holds that
 * is not by id asks for open ones.
 */
const m005_open_holds_only: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('holds_open').execute();
    await db.schema.createIndex('holds_open_owner').on('holds').column('owner').where(sql.ref('status'), '=', 'open').execute();
  },
};

/**
 * The task queue's indexes hold the tasks in flight only. Each status index kept an entry for every task
 * ever run, and every task moved its entries twice (pending → running → done) in three of them, with the
 * webhook index taking a NULL entry per task that never has a webhook: 6 index entries written per new task
 * and ~10 more moved over its life. Partial indexes take an entry when a task becomes pending or running
 * and drop it when it leaves that state, so they stay as small as the queue, and a task that finishes
 * costs one index delete. Every query that uses them names the status as a literal (a partial index on
 * SQLite serves only queries whose WHERE says what its own WHERE says).
 */
const m006_live_task_indexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const name of ['tasks_queue', 'tasks_pending_order', 'tasks_pending_account', 'tasks_webhook']) await db.schema.dropIndex(name).execute();
    await db.schema.createIndex('tasks_pending_order').on('tasks').columns(['created_at', 'id']).where(sql.ref('status'), '=', 'pending').execute();
    await db.schema
      .createIndex('tasks_pending_account')
      .on('tasks')
      .columns(['account_id', 'created_at', 'id'])
      .where(sql.ref('status'), '=', 'pending')
      .execute();
    await db.schema.createIndex('tasks_running').on('tasks').columns(['account_id', 'lease_until']).where(sql.ref('status'), '=', 'running').execute();
    await db.schema.createIndex('tasks_webhook').on('tasks').column('next_webhook_at').where(sql.ref('next_webhook_at'), 'is not', null).execute();
  },
};

/**
 * An Idempotency-Key claim names the process that runs its request (`owner`, an instance id), so a retry can
 * take over the claim of a process that died instead of waiting for it for a day; and, once that request
 * queued a task, the task (`task_id`, written in the task's own transaction), so the retry gets that task.
 */
const m007_idempotency_owner: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('idempotency').addColumn('owner', 'text').execute();
    await db.schema.alterTable('idempotency').addColumn('task_id', 'text').execute();
  },
};

/**
 * Which key created each key, so an operator can audit what an admin key (or someone holding one) minted.
 * Keys made before this, and keys made at start-up (IMAGEGATE_ADMIN_KEY, the first admin key), have none.
 */
const m008_key_created_by: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('api_keys').addColumn('created_by', 'text').execute();
  },
};

/**
 * The console's searches, newest first with a (created_at, id) cursor: the request log by each filter it
 * offers, tasks across accounts and by model. Each index ends in
 * (created_at, id), so a page is a range seek that reads `limit` rows, whatever the table's size. Task
 * status gets none: it changes over a task's life (006 keeps such entries to the tasks in flight), and the
 * live statuses already have their partial indexes.
 */
const m009_console_indexes: Migration = {
  async up(db: Kysely<unknown>) {
    // 001's (account_id, created_at) left pages to be sorted by id in a temp B-tree: this one replaces it.
    await db.schema.dropIndex('request_log_account_time').execute();
    await db.schema.createIndex('request_log_account_time_id').on('request_log').columns(['account_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('request_log_time').on('request_log').columns(['created_at', 'id']).execute();
    for (const col of ['status', 'error_code', 'model', 'key_id'])
      await db.schema.createIndex(`request_log_${col}_time`).on('request_log').columns([col, 'created_at', 'id']).execute();
    await db.schema.createIndex('tasks_time').on('tasks').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('tasks_model_time').on('tasks').columns(['model', 'created_at', 'id']).execute();
  },
};

/**
 * Every change of money or access a person makes through the admin API, append-only: who (`actor`, the key
 * id), from where, what (`action`), on what (`target_kind`, `target_id`), the amount or a JSON diff, and why.
 */
const m010_audit_log = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_ip', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_kind', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint')
      .addColumn('diff', 'text')
      .addColumn('note', 'text')
      .execute();
    await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute();
    await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target_id', 'seq']).execute();
    await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'seq']).execute();
  },
});

/**
 * The admin overview (billing/overview.ts) reads a time range of the request log, the ledger's settle
 * entries and finished tasks. Each index covers every column its query reads, so a range is one index scan
 * with no row lookups; the ledger's and the tasks' are partial, so holds, credits and tasks in flight add no
 * entries.
 */
const m011_overview_indexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('request_log_overview').on('request_log').columns(['created_at', 'endpoint', 'status', 'images']).execute();
    await db.schema.createIndex('ledger_settle_time').on('ledger').columns(['created_at', 'charged']).where(sql.ref('kind'), '=', 'settle').execute();
    await db.schema.createIndex('tasks_finished').on('tasks').columns(['finished_at', 'status']).where(sql.ref('finished_at'), 'is not', null).execute();
  },
};

/**
 * Console sign-in: people (operators, and members of one account) with a scrypt password hash, and their
 * sessions. A session row is keyed by the SHA-256 of the id in the cookie, so a copy of the table signs no
 * one in; it belongs to a user or, for the admin-key sign-in, to the admin key it was opened with.
 */
const m012_console_users: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('console_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('disabled_at', 'bigint')
      .addColumn('last_sign_in_at', 'bigint')
      .execute();
    await db.schema
      .createTable('console_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.references('console_users.id'))
      .addColumn('admin_key_id', 'text')
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_id').execute();
    await db.schema.createIndex('console_sessions_expiry').on('console_sessions').column('expires_at').execute();
  },
};

/**
 * The console's account and key lists, newest first with a (created_at, id) cursor like the other admin
 * lists (009). A name search scans these indexes in that order and stops at a full page, so the accounts'
 * index carries the name: the scan reads index entries only, and looks up the rows it shows. Keys by account
 * get the same order (replacing 001's account-only index). The open holds a page sums need none: they are
 * read through 005's index of the open holds, as few as the requests in flight.
 */
const m013_console_admin_indexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('accounts_time').on('accounts').columns(['created_at', 'id', 'name']).execute();
    await db.schema.dropIndex('api_keys_account').execute();
    await db.schema.createIndex('api_keys_account_time').on('api_keys').columns(['account_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('api_keys_time').on('api_keys').columns(['created_at', 'id', 'name', 'prefix']).execute();
  },
};

/**
 * The message a failed request was answered with, beside its code: "invalid_request" alone does not tell an
 * operator which field a client got wrong. A nullable column without a default: instant on both databases.
 */
const m014_request_log_error_message: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('request_log').addColumn('error_message', 'text').execute();
  },
};

/**
 * The request log says whose call each row is (`traffic`: client or admin), so the console can list client
 * traffic without its own admin calls burying it. The index ends in the list's (created_at, id) order like
 * 009's, so such a page is a range seek whatever the mix. Rows written before are classed by their endpoint.
 */
const m015_request_log_traffic: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('request_log')
      .addColumn('traffic', 'text', (c) => c.notNull().defaultTo('client'))
      .execute();
    await sql`update request_log set traffic = 'admin' where endpoint like '/v1/admin/%' or endpoint like '/v1/console/%'`.execute(db);
    await db.schema.createIndex('request_log_traffic_time').on('request_log').columns(['traffic', 'created_at', 'id']).execute();
  },
};

/**
 * Top-up codes (store/topup-codes.ts), hashed like keys. The admin list pages newest first by
 * (created_at, id), whole or within a batch or a stored status; a redemption finds its code by the unique hash.
 */
const m016_topup_codes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('topup_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('note', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('voided_at', 'bigint')
      .addColumn('redeemed_at', 'bigint')
      .addColumn('redeemed_account_id', 'text')
      .addColumn('redeemed_user_id', 'text')
      .addColumn('redeemed_txn', 'text')
      .execute();
    await db.schema.createIndex('topup_codes_time').on('topup_codes').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('topup_codes_batch_time').on('topup_codes').columns(['batch_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('topup_codes_status_time').on('topup_codes').columns(['status', 'created_at', 'id']).execute();
  },
};

/**
 * Members (issue 25): each account's key policy (JSON, null = no limits set), and invites to sign up. An
 * invite's token is stored as its SHA-256 only; `used_at` is set once, by a guarded update, so a token signs
 * one person up. The list is paged newest first by (created_at, id) like the other admin lists.
 */
const m017_members: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('accounts').addColumn('key_policy', 'text').execute();
    await db.schema
      .createTable('invites')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
      .addColumn('email', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('used_by', 'text')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('invites_time').on('invites').columns(['created_at', 'id']).execute();
  },
};

/**
 * Files (issue 26): images a client uploads to use by id. A page of an account's files is a range seek in
 * (account_id, created_at, id) whichever way it runs; the sweep finds expired rows by expires_at.
 */
const m018_files: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('files')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('ext', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('files_account_time').on('files').columns(['account_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('files_expiry').on('files').column('expires_at').execute();
  },
};

/**
 * The tokens each request took, as the upstream reported them (issue 26): input text, input image, output
 * image and output text. Null where no usage was reported (per-image upstreams, failures), so a usage report
 * tells "none reported" from zero. Nullable columns without a default: instant on both databases.
 */
const m019_request_log_tokens: Migration = {
  async up(db: Kysely<unknown>) {
    for (const col of ['input_text_tokens', 'input_image_tokens', 'output_image_tokens', 'output_text_tokens']) {
      await db.schema.alterTable('request_log').addColumn(col, 'integer').execute();
    }
  },
};

/** Whether a hold reserved key spend, so closing it gives back only that (billing/ledger.ts). */
const m020_hold_spend_reserved: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('holds').addColumn('spend_reserved', 'integer').execute();
  },
};

export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '001_core': m001_core(dialect),
    '002_tasks': m002_tasks,
    '003_task_queue_order': m003_task_queue_order,
    '004_task_queue_by_account': m004_task_queue_by_account,
    '005_open_holds_only': m005_open_holds_only,
    '006_live_task_indexes': m006_live_task_indexes,
    '007_idempotency_owner': m007_idempotency_owner,
    '008_key_created_by': m008_key_created_by,
    '009_console_indexes': m009_console_indexes,
    '010_audit_log': m010_audit_log(dialect),
    '011_overview_indexes': m011_overview_indexes,
    '012_console_users': m012_console_users,
    '013_console_admin_indexes': m013_console_admin_indexes,
    '014_request_log_error_message': m014_request_log_error_message,
    '015_request_log_traffic': m015_request_log_traffic,
    '016_topup_codes': m016_topup_codes,
    '017_members': m017_members,
    '018_files': m018_files,
    '019_request_log_tokens': m019_request_log_tokens,
    '020_hold_spend_reserved': m020_hold_spend_reserved,
  };
}

export { sql };
