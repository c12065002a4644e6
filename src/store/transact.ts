/**
 * Transactions, straight on the dialect's driver: the only way imagegate runs one.
 *
 * Kysely's `db.transaction().execute()` builds a Transaction (a Kysely instance of its own) and, for each
 * query in it, a fresh executor and two more layers of connection providers: ~10 promises and ~3 KB a
 * query, which a small request paid six times. The driver calls underneath are the same four either way
 * (acquire, begin, commit or rollback, release), so this makes them itself.
 *
 * The work is generators that yield each query they run and are handed back its result, rather than async
 * functions awaiting a runner: the same work then runs on PostgreSQL with one await per query, and on
 * SQLite — whose driver runs statements synchronously — from start to COMMIT in one synchronous stretch
 * (store/sqlite-group-commit.ts), with one promise for the whole transaction instead of one per query and
 * per step. A generator also cannot run a query after it has returned, which a forgotten `await` could.
 *
 * A transaction has two phases. `check` reads and may refuse (throw a GatewayError): it can only yield
 * SELECTs (the type of its queries says so, and a write it yields anyway fails the transaction before it
 * runs), so a refusal never has anything to undo. `write` then writes; a throw there rolls the transaction
 * back, and on SQLite its whole commit group with it once it has changed a row. On SQLite the two phases run
 * in one synchronous stretch, so what `check` saw still holds in `write`; on PostgreSQL another transaction
 * may commit in between, and the guards of `write`'s statements are what refuse then (alone: PostgreSQL has
 * no commit groups).
 */
import { type Compilable, type CompiledQuery, type Dialect, type Driver, type OperationNodeSource, type QueryResult, SelectQueryNode } from 'kysely';

/** A query of the check phase: a SELECT, which cannot change a row. */
export type ReadQuery<R = unknown> = CompiledQuery<R> & { readonly query: SelectQueryNode };

/** The check phase's work: yields reads only, receives their results, returns what the write phase gets. */
export type ReadWork<T> = Generator<ReadQuery, T, QueryResult<unknown>>;

/** The write phase's work (and any part of it): yields each query to run, receives its result. */
export type TxWork<T> = Generator<CompiledQuery, T, QueryResult<unknown>>;

/** A transaction that reads and may refuse first, then writes with what it read. */
export interface CheckThenWrite<C, T> {
  check: () => ReadWork<C>;
  write: (checked: C) => TxWork<T>;
}

/** A transaction with nothing to refuse: its writes decline through their guards (returning), never by throwing. */
export interface WriteOnly<T> {
  check?: undefined;
  write: () => TxWork<T>;
}

export type Tx<C, T> = CheckThenWrite<C, T> | WriteOnly<T>;

/** Runs a transaction: committed if its write phase returns, rolled back if either phase throws. */
export type Transact = <C, T>(tx: Tx<C, T>) => Promise<T>;

/** A driver that runs transactions itself (SQLite's group-commit driver), given the phases as one sequence. */
export interface TransactingDriver extends Driver {
  transact<T>(work: () => TxWork<T>): Promise<T>;
}

const isTransacting = (d: Driver): d is TransactingDriver => typeof (d as Partial<TransactingDriver>).transact === 'function';

/** The two phases as the one sequence of queries a driver runs; a write the check phase yields ends it there. */
export function* phases<C, T>(tx: CheckThenWrite<C, T>): TxWork<T> {
  const checks = tx.check();
  let step = checks.next();
  while (!step.done) {
    const query: CompiledQuery = step.value;
    if (!SelectQueryNode.is(query.query)) throw new Error(`a transaction's check phase may only read, not run: ${query.sql}`);
    let result: QueryResult<unknown>;
    try {
      result = yield query;
    } catch (err) {
      step = checks.throw(err);
      continue;
    }
    step = checks.next(result);
  }
  return yield* tx.write(step.value);
}

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
    // Work without a check phase runs as it is: no generator around it to step through.
    const work = <C, T>(tx: Tx<C, T>): (() => TxWork<T>) => (tx.check ? () => phases(tx) : () => tx.write());
    if (isTransacting(driver)) return (tx) => driver.transact(work(tx));
    return (tx) => inTransaction(driver, work(tx));
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

/** A SELECT builder (what `db.selectFrom(…)` returns), the only query the check phase takes. */
export type SelectBuilder<R> = Compilable<R> & OperationNodeSource & { toOperationNode(): SelectQueryNode };

/** In the check phase, the rows of a SELECT: `const rows = yield* readRows(db.selectFrom(…))`. */
export function* readRows<R>(query: SelectBuilder<R> | ReadQuery<R>): Generator<ReadQuery, R[], QueryResult<unknown>> {
  const compiled = 'compile' in query ? (query.compile() as ReadQuery<R>) : query;
  return ((yield compiled) as QueryResult<R>).rows;
}

/** In the check phase, the first row of a SELECT (or of a prepared one: `q.bindRead(v)`), or undefined. */
export function* readFirst<R>(query: SelectBuilder<R> | ReadQuery<R>): Generator<ReadQuery, R | undefined, QueryResult<unknown>> {
  return (yield* readRows(query))[0];
}
