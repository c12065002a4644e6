/**
 * Every PostgreSQL session of the gateway runs under time limits, so one stuck connection (a frozen process
 * holding a row lock "idle in transaction") cannot block the others' requests for that account for long.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/billing/ledger.js';
import { toGatewayError } from '../../src/domain/errors.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DEFAULT_POSTGRES_SETTINGS, type PostgresSettings, postgresClientConfig } from '../../src/store/postgres-pool.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';

const open: Db[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  for (const db of open.splice(0)) await db.close();
});

async function openWith(url: string, settings: PostgresSettings): Promise<Db> {
  const db = await openDatabase({ databaseUrl: url, dataDir: tempDir(), postgres: settings });
  open.push(db);
  return db;
}

describe.skipIf(!PG_URL)('PostgreSQL sessions', () => {
  it('run under the configured statement, lock and idle-in-transaction timeouts', async () => {
    const db = await openWith(await freshPostgres(), {
      ...DEFAULT_POSTGRES_SETTINGS,
      statementTimeoutMs: 12_345,
      lockTimeoutMs: 2_345,
      idleInTransactionTimeoutMs: 3_456,
    });
    const show = async (name: string) => Object.values((await sql<Record<string, string>>`${sql.raw(`SHOW ${name}`)}`.execute(db.kysely)).rows[0]!)[0];
    expect(await show('statement_timeout')).toBe('12345ms');
    expect(await show('lock_timeout')).toBe('2345ms');
    expect(await show('idle_in_transaction_session_timeout')).toBe('3456ms');
  });

  it('a connection frozen mid-transaction on an account no longer blocks another hold on it past the timeouts', async () => {
    const settings = { ...DEFAULT_POSTGRES_SETTINGS, lockTimeoutMs: 300, idleInTransactionTimeoutMs: 1_000 };
    const url = await freshPostgres();
    const db = await openWith(url, settings);
    const ledger = new Ledger(db, 'USD');
    await db.kysely.insertInto('accounts').values({ id: 'acct_frozen', name: 'f', balance: 0, created_at: Date.now() }).execute();
    await ledger.adjust('acct_frozen', 1_000_000, 'credit');

    // Another process's connection (same session settings) takes the account's row lock and then stops.
    const frozen = new pg.Client(postgresClientConfig(url, settings));
    frozen.on('error', () => undefined);
    clients.push(frozen);
    await frozen.connect();
    await frozen.query('BEGIN');
    await frozen.query(`UPDATE accounts SET balance = balance WHERE id = 'acct_frozen'`);

    const hold = () => ledger.hold({ accountId: 'acct_frozen', keyId: null, requestId: 'req_1', model: 'm', amount: 1000, owner: 'inst_test' });
    const started = Date.now();
    const blocked = await hold().then(
      () => undefined,
      (e: unknown) => e,
    );
    // While the lock is held, the hold gives up after lock_timeout with a retryable 503 instead of waiting.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(toGatewayError(blocked)).toMatchObject({ status: 503, code: 'database_unavailable' });

    // Past idle_in_transaction_session_timeout the server ends the frozen session and its lock goes with it.
    await new Promise((r) => setTimeout(r, 1_200));
    const record = await hold();
    expect(record.amount).toBe(1000);
  }, 20_000);

  it('a start waits out another instance migrating for longer than statement_timeout instead of failing', async () => {
    const url = await freshPostgres();
    // Another instance holds Kysely's migration lock (its advisory lock id) for a while, as a long migration would.
    const other = new pg.Client({ connectionString: url });
    clients.push(other);
    await other.connect();
    await other.query('select pg_advisory_lock(3853314791062309107)');
    const release = setTimeout(() => void other.query('select pg_advisory_unlock(3853314791062309107)'), 1_000);
    try {
      const started = Date.now();
      const db = await openWith(url, { ...DEFAULT_POSTGRES_SETTINGS, statementTimeoutMs: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(await db.kysely.selectFrom('accounts').select('id').execute()).toEqual([]);
    } finally {
      clearTimeout(release);
    }
  }, 20_000);
});
