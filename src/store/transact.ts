/**
 * Transactions for the statements every charged request runs (the ledger's hold and settle), straight on
 * the dialect's driver.
 *
 * Kysely's `db.transaction().execute()` builds a Transaction (a Kysely instance of its own) and, for each
 * query in it, a fresh executor and two more layers of connection providers: ~10 promises and ~3 KB a
 * query, which a small request paid six times. The driver calls underneath are the same four either way
 * (acquire, begin, commit or rollback, release), so this makes them itself.
 *
 * The work is a generator that yields each query it runs and is handed back its result, rather than an
 * async function awaiting a runner: the same work then runs on PostgreSQL with one await per query, and on
 * SQLite — whose driver runs statements synchronously — from start to COMMIT in one synchronous stretch
 * (store/sqlite-group-commit.ts), with one promise for the whole transaction instead of one per query and
 * per step. A generator also cannot run a query after it has returned, which a forgotten `await` could.
 */
import type { Compilable, CompiledQuery, Dialect, Driver, QueryResult } from 'kysely';

/** A transaction's work: yields each query to run, receives its result, returns the transaction's value. */
export type TxWork<T> = Generator<CompiledQuery, T, QueryResult<unknown>>;

/** Runs the work in one transaction: committed if it returns, rolled back if it throws. */
export type Transact = <T>(work: () => TxWork<T>) => Promise<T>;

/** A driver that runs transactions itself (SQLite's group-commit driver). */
export interface TransactingDriver extends Driver {
  transact: Transact;
}

const isTransacting = (d: Driver): d is TransactingDriver => typeof (d as Partial<TransactingDriver>).transact === 'function';

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
    if (isTransacting(driver)) return (work) => driver.transact(work);
    return (work) => inTransaction(driver, work);
  }
}

/** Any Kysely driver: the four driver calls around the work, one await per query. */
async function inTransaction<T>(driver: Driver, work: () => TxWork<T>): Promise<T> {
  const connection = await driver.acquireConnection();
  try {
    await driver.beginTransaction(connection, {});
    let value: T;
    try {
      const steps = work();
      let step = steps.next();
      while (!step.done) {
        let result: QueryResult<unknown>;
        try {
          result = await connection.executeQuery(step.value);
        } catch (err) {
          // Thrown into the work where it yielded: it may handle it, as it would an awaited rejection.
          step = steps.throw(err);
          continue;
        }
        step = steps.next(result);
      }
      value = step.value;
    } catch (err) {
      await driver.rollbackTransaction(connection);
      throw err;
    }
    await driver.commitTransaction(connection);
    return value;
  } finally {
    await driver.releaseConnection(connection);
  }
}

/** In a transaction's work, runs a query: `const result = yield* run(query)`. */
export function* run<R>(query: Compilable<R> | CompiledQuery<R>): Generator<CompiledQuery, QueryResult<R>, QueryResult<unknown>> {
  return (yield 'compile' in query ? query.compile() : query) as QueryResult<R>;
}

/** In a transaction's work, the rows of a query: `const rows = yield* rowsOf(query)`. */
export function* rowsOf<R>(query: Compilable<R> | CompiledQuery<R>): Generator<CompiledQuery, R[], QueryResult<unknown>> {
  return (yield* run(query)).rows;
}

/** In a transaction's work, the first row of a query (RETURNING one row), or undefined. */
export function* firstOf<R>(query: Compilable<R> | CompiledQuery<R>): Generator<CompiledQuery, R | undefined, QueryResult<unknown>> {
  return (yield* run(query)).rows[0];
}
