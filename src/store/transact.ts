/**
 * Transactions for the statements every charged request runs (the ledger's hold and settle), straight on
 * the dialect's driver.
 *
 * Kysely's `db.transaction().execute()` builds a Transaction (a Kysely instance of its own) and, for each
 * query in it, a fresh executor and two more layers of connection providers: ~10 promises and ~3 KB a
 * query, which a small request paid six times. The driver calls underneath are the same four either way
 * (acquire, begin, commit or rollback, release), so this makes them itself and hands the work a
 * `QueryRunner` that goes straight to the connection. Builder queries still work inside: build them on the
 * database, `compile()` them and run them on the runner (`execute` below).
 */
import type { Compilable, CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import type { QueryRunner } from './prepared-query.js';

/** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
export type Transact = <T>(work: (q: QueryRunner) => Promise<T>) => Promise<T>;

/**
 * Wraps a dialect to keep the driver Kysely creates from it, so that transactions can use that same
 * driver (its pool, or for SQLite its commit groups) without going through Kysely's executor.
 */
export class DriverKeepingDialect implements Dialect {
  private driver: Driver | undefined;

  constructor(private readonly inner: Dialect) {}

  createDriver(): Driver {
    return (this.driver = this.inner.createDriver());
  }
  createAdapter() {
    return this.inner.createAdapter();
  }
  createQueryCompiler() {
    return this.inner.createQueryCompiler();
  }
  createIntrospector(...args: Parameters<Dialect['createIntrospector']>) {
    return this.inner.createIntrospector(...args);
  }

  /**
   * Transactions on the kept driver. Kysely initialises the driver on its first query, so use this only
   * once the database has answered one (openDatabase migrates before it returns).
   */
  transact(): Transact {
    const driver = this.driver;
    if (!driver) throw new Error('the dialect has not created its driver yet: create the Kysely instance first');
    return (work) => inTransaction(driver, work);
  }
}

async function inTransaction<T>(driver: Driver, work: (q: QueryRunner) => Promise<T>): Promise<T> {
  const connection = await driver.acquireConnection();
  try {
    await driver.beginTransaction(connection, {});
    const runner = new ConnectionRunner(connection);
    const outcome = await work(runner).then(
      (value) => ({ ok: true, value }) as const,
      (error: unknown) => ({ ok: false, error }) as const,
    );
    runner.end();
    if (!outcome.ok) {
      await driver.rollbackTransaction(connection);
      throw outcome.error;
    }
    await driver.commitTransaction(connection);
    return outcome.value;
  } finally {
    await driver.releaseConnection(connection);
  }
}

/** The transaction's connection, for as long as the work runs. */
class ConnectionRunner implements QueryRunner {
  private ended = false;
  constructor(private readonly connection: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
    // A query the work forgot to await would otherwise run after the COMMIT, on a pooled connection that
    // may by then be in someone else's transaction.
    if (this.ended) return Promise.reject(new Error('query run on a transaction that has ended'));
    return this.connection.executeQuery<R>(query);
  }

  end(): void {
    this.ended = true;
  }
}

/** Runs a builder query (built on the database, not on a transaction) on `q`; its rows. */
export async function execute<R>(q: QueryRunner, query: Compilable<R>): Promise<R[]> {
  return (await q.executeQuery(query.compile())).rows;
}
