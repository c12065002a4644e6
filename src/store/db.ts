/**
 * Opens the database: SQLite (better-sqlite3, WAL) under the data dir by default, PostgreSQL when
 * DATABASE_URL is set. Applies pending migrations before returning, or refuses a schema that is not current
 * when told to leave migrations to `imagegate migrate` (schema-version.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { SqlDialect } from './migrations.js';
import { requireCurrentSchema, upgradeSchema } from './schema-version.js';
import type { ChangeFeed } from './change-feed.js';
import { PgChangeFeed } from './pg-change-feed.js';
import { sqliteChangeFeed } from './sibling-change-feed.js';
import { createPostgresPool, DEFAULT_POSTGRES_SETTINGS, type PostgresSettings, postgresClientConfig } from './postgres-pool.js';
import type { Database } from './schema.js';
import { BACKSTOP_FRAMES, WalCheckpointer } from './sqlite-checkpointer.js';
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js';
import { DriverKeepingDialect, type Transact } from './transact.js';

/** SQLite's own default: the connection checkpoints itself every this many WAL frames. */
const SQLITE_AUTOCHECKPOINT_FRAMES = 1000;

export interface Db {
  kysely: Kysely<Database>;
  /** Transactions for the hot ledger statements, without Kysely's per-query layers (store/transact.ts). */
  transact: Transact;
  dialect: SqlDialect;
  /** Change notices to every process on this database, for their caches. */
  changes: ChangeFeed;
  close(): Promise<void>;
}

/** At open: apply pending migrations, or refuse a schema with any pending (IMAGEGATE_AUTO_MIGRATE=off). */
export type SchemaPolicy = 'upgrade' | 'require-current';

/** Where the database is: PostgreSQL when `databaseUrl` is set, SQLite under `dataDir` otherwise. */
export interface DatabaseLocation {
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL: pool size and session time limits. */
  postgres?: PostgresSettings;
}

/** The SQLite database file of a data dir. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'imagegate.sqlite');
}

export interface OpenDatabaseOptions extends DatabaseLocation {
  /** Default 'upgrade'. */
  schema?: SchemaPolicy;
  /** SQLite: the WAL checkpoint thread stopped on an error. */
  onBackgroundError?: (err: Error) => void;
  /** SQLite: the WAL checkpoint thread started (store/sqlite-checkpointer.ts), after this many ms of slow COMMITs in a second. */
  onCheckpointThread?: (slowCommitMs: number) => void;
  /** SQLite: when the WAL checkpoint thread starts (tests start it at once, and openDatabase waits until it runs). */
  checkpointThread?: 'now' | 'when-needed';
  /** PostgreSQL: a pooled connection broke (the database restarted, or its backend was terminated). */
  onConnectionLost?: (err: Error) => void;
}

/**
 * Migrations on connections of their own without statement_timeout: an index built on a large table may take
 * minutes, and instances starting together wait on Kysely's migration lock (an advisory lock, taken with its
 * own long lock timeout) for as long as the first one migrates. lock_timeout stays: a migration waiting on a
 * busy table would otherwise queue every query of that table behind it.
 */
async function withPostgresMigrationConnection<T>(
  driver: typeof pg,
  url: string,
  settings: PostgresSettings,
  onConnectionLost: (err: Error) => void,
  work: (db: Kysely<unknown>) => Promise<T>,
): Promise<T> {
  const pool = createPostgresPool(driver, url, { ...settings, statementTimeoutMs: 0, poolSize: 2 }, onConnectionLost);
  const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await work(kysely);
  } finally {
    await kysely.destroy();
  }
}

function settleSchema(policy: SchemaPolicy, dialect: SqlDialect): (db: Kysely<unknown>) => Promise<unknown> {
  return policy === 'upgrade' ? (db) => upgradeSchema(db, dialect) : (db) => requireCurrentSchema(db, dialect);
}

async function loadPg(): Promise<typeof pg> {
  // Loaded only for PostgreSQL, so a SQLite gateway does not carry the driver.
  const { default: driver } = await import('pg');
  // int8 (bigint) columns hold micro-units and ms timestamps, all well inside Number's exact range.
  driver.types.setTypeParser(20, (v: string) => Number(v));
  return driver;
}

/** DATABASE_URL when it names a PostgreSQL database; undefined (unset or empty) means SQLite; anything else is refused. */
function postgresUrlOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
  return url;
}

/** The connection settings every SQLite connection of the gateway's, and of its commands, runs with. */
function openSqliteFile(file: string): SQLite.Database {
  const sqlite = new SQLite(file);
  // WAL + NORMAL: durable across process crashes (not power loss of the last few ms), and cheap per write.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

/**
 * A connection of its own to the database at `location`, for the schema commands (`imagegate migrate`):
 * nothing else of a gateway starts, and on PostgreSQL no statement time limit cuts a long migration short.
 */
export async function withSchemaConnection<T>(location: DatabaseLocation, work: (db: Kysely<unknown>, dialect: SqlDialect) => Promise<T>): Promise<T> {
  const postgresUrl = postgresUrlOf(location.databaseUrl);
  if (postgresUrl) {
    const driver = await loadPg();
    const settings = location.postgres ?? DEFAULT_POSTGRES_SETTINGS;
    return withPostgresMigrationConnection(
      driver,
      postgresUrl,
      settings,
      () => undefined,
      (db) => work(db, 'postgres'),
    );
  }
  mkdirSync(location.dataDir, { recursive: true });
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqliteFile(sqliteFile(location.dataDir)) }) });
  try {
    return await work(kysely, 'sqlite');
  } finally {
    await kysely.destroy();
  }
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Db> {
  const policy = opts.schema ?? 'upgrade';
  const postgresUrl = postgresUrlOf(opts.databaseUrl);
  if (postgresUrl) {
    const pg = await loadPg();
    const settings = opts.postgres ?? DEFAULT_POSTGRES_SETTINGS;
    const onConnectionLost = opts.onConnectionLost ?? (() => undefined);
    await withPostgresMigrationConnection(pg, postgresUrl, settings, onConnectionLost, settleSchema(policy, 'postgres'));
    const pool = createPostgresPool(pg, postgresUrl, settings, onConnectionLost);
    const dialect = new DriverKeepingDialect(new PostgresDialect({ pool }));
    const kysely = new Kysely<Database>({ dialect });
    // Kysely initialises its driver on the first query, and transactions use that driver directly.
    await sql`select 1`.execute(kysely);
    const changes = new PgChangeFeed(pg, postgresClientConfig(postgresUrl, settings), kysely as Kysely<unknown>, onConnectionLost);
    await changes.start();
    return {
      kysely,
      transact: dialect.transact(),
      dialect: 'postgres',
      changes,
      close: async () => {
        await changes.close();
        await kysely.destroy();
      },
    };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const file = sqliteFile(opts.dataDir);
  const sqlite = openSqliteFile(file);
  // Statement journals (an UPDATE … RETURNING inside the group's transaction keeps one) in small heap chunks:
  // left to a temp file they spill from one 64 KB+ buffer, which glibc took from the top of the heap with brk
  // and gave back on every statement (we fix its mmap threshold, which also fixes its trim threshold at 128 KB),
  // so each debit and each hold close paid two brk calls and faulted ~40 fresh pages in: ~30 µs a request.
  sqlite.pragma('temp_store = MEMORY');
  const checkpointer = new WalCheckpointer(file, {
    start: opts.checkpointThread,
    onStart: (ms) => {
      // The thread copies the WAL and has it started over (store/sqlite-checkpointer.ts): SQLite's own
      // checkpoint on this connection stays only as a backstop.
      sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_FRAMES}`);
      opts.onCheckpointThread?.(ms);
    },
    onError: (err) => {
      sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_FRAMES}`);
      opts.onBackgroundError?.(err);
    },
  });
  const hooks = { onCommit: (ms: number) => checkpointer.committed(ms), beforeGroup: () => checkpointer.gate() };
  const dialect = new DriverKeepingDialect(new GroupCommitSqliteDialect(sqlite, hooks));
  const kysely = new Kysely<Database>({ dialect });
  try {
    await settleSchema(policy, 'sqlite')(kysely as Kysely<unknown>);
  } catch (err) {
    await checkpointer.stop();
    await kysely.destroy();
    throw err;
  }
  // Started at once: running, too, before the first write.
  if (opts.checkpointThread === 'now') await checkpointer.ready;
  return {
    kysely,
    transact: dialect.transact(),
    dialect: 'sqlite',
    // Its own subscribers, and with `serve --processes N` those of the other processes, through the primary.
    changes: sqliteChangeFeed(),
    close: async () => {
      await checkpointer.stop();
      await kysely.destroy();
    },
  };
}
