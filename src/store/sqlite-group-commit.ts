/**
 * better-sqlite3 behind Kysely, with group commit.
 *
 * Every charged request writes two short transactions (hold, then settle), and on SQLite the COMMITs were
 * two thirds of the ledger's cost: each one writes every page it touched (accounts, holds, ledger and their
 * indexes) to the WAL. Transactions that arrive in the same event-loop turn touch the same pages, so they
 * share one outer transaction, one after another, and one COMMIT, scheduled with setImmediate, makes the
 * whole group durable.
 *
 * What callers can rely on is unchanged: a transaction's promise resolves only once its writes are
 * committed, so nothing acts on a hold a crash could still take back, and it rejects if that commit fails.
 * A write outside a transaction that lands while a group is open joins it and likewise waits for the
 * commit. Reads in a group see the group's writes (one connection), as they would see them a moment later.
 *
 * Transactions are generator work in two phases (store/transact.ts); Kysely's own transactions are refused.
 * A member that fails before it has changed a row fails alone: the expected refusals (not enough balance,
 * a spend cap reached) are thrown by the check phase, which can only read. A member that fails after
 * writing cannot be taken out of the group on its own, so the whole group is rolled back and every member
 * fails, as when the COMMIT fails. Members used to run in SAVEPOINTs to fail alone in that case too; the
 * SAVEPOINT, its RELEASE and the copies of pages SQLite keeps to undo one were ~6% of a small request.
 *
 * While a group is open, this process holds SQLite's write lock (BEGIN IMMEDIATE), for at most one turn.
 */
import type SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  DeleteQueryNode,
  InsertQueryNode,
  type QueryResult,
  SelectQueryNode,
  UpdateQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { StatementCache } from './sqlite-statements.js';
import type { TransactingDriver, TxWork } from './transact.js';

export interface GroupCommitHooks {
  /** Runs after every successful COMMIT with how long it took in ms (the WAL checkpointer counts them). */
  onCommit?: (ms: number) => void;
  /**
   * Asked before a group opens: a promise delays the opening until it settles (the WAL checkpointer holds
   * writes for a moment to start the WAL over). Every use of the connection waits meanwhile; the event loop
   * does not.
   */
  beforeGroup?: () => Promise<void> | undefined;
}

export class GroupCommitSqliteDialect implements Dialect {
  constructor(
    private readonly db: SQLite.Database,
    private readonly hooks: GroupCommitHooks = {},
  ) {}
  createAdapter() {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new GroupCommitDriver(this.db, this.hooks);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }
}

/** One outer transaction and the callers waiting for its COMMIT. */
class Group {
  readonly committed: Promise<void>;
  finish!: (err?: unknown) => void;
  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.finish = (err) => (err === undefined ? resolve() : reject(err));
    });
    // A group whose members all rolled back has no waiter: its failure must not become an unhandled rejection.
    this.committed.catch(() => {});
  }
}

/** Serialises use of the one connection, first come first served. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Uses that hold the lock or wait for it. */
  private users = 0;

  /** Nobody holds the lock or waits for it: a synchronous use cannot cut in front of anyone. */
  get idle(): boolean {
    return this.users === 0;
  }

  lock(): Promise<() => void> {
    this.users++;
    let unlock!: () => void;
    const next = new Promise<void>((r) => {
      unlock = () => {
        this.users--;
        r();
      };
    });
    const ready = this.tail.then(() => unlock);
    this.tail = next;
    return ready;
  }
}

/**
 * One use of the connection by Kysely, from acquire to release: a query, or the queries of a
 * `connection().execute()` (the Migrator's). Transactions do not go through it (see beginTransaction).
 */
class GroupConnection implements DatabaseConnection {
  /** The open group this use wrote in, whose commit it must wait for. */
  wroteIn: Group | undefined;

  constructor(
    private readonly driver: GroupCommitDriver,
    private unlock: (() => void) | undefined,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.unlock) throw new Error('connection used after it was released');
    const group = this.driver.openGroup;
    if (!SelectQueryNode.is(compiled.query)) {
      // A write of its own (no group open) commits at once: it waits like a group that would open (it must
      // not add to the WAL while the checkpointer holds writes) and counts as a COMMIT.
      if (!group) return this.driver.runAlone<R>(compiled);
      this.wroteIn = group;
    }
    return this.driver.run<R>(compiled.sql, compiled.parameters);
  }

  // biome-ignore lint/correctness/useYield: Kysely's driver interface asks for a generator; this one refuses.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not used by imagegate');
  }

  /**
   * Give the lock back, then wait for the commit of the group this use wrote in, if any. Letting the next
   * caller in before waiting is the whole point: it joins this group.
   */
  async releaseThenAwaitCommit(): Promise<void> {
    const wrote = this.wroteIn;
    this.wroteIn = undefined;
    const unlock = this.unlock;
    this.unlock = undefined;
    unlock?.();
    if (wrote) await wrote.committed;
  }
}

class GroupCommitDriver implements TransactingDriver {
  private readonly mutex = new Mutex();
  private readonly statements: StatementCache;
  private group: Group | undefined;
  private closed = false;

  constructor(
    private readonly db: SQLite.Database,
    private readonly hooks: GroupCommitHooks,
  ) {
    this.statements = new StatementCache(db);
  }

  get openGroup(): Group | undefined {
    return this.group;
  }

  /** A write outside any transaction, with no group open: SQLite commits it on its own. */
  async runAlone<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const wait = this.writeGate();
    if (wait) await wait;
    const t0 = performance.now();
    const result = this.run<R>(compiled.sql, compiled.parameters);
    this.hooks.onCommit?.(performance.now() - t0);
    return result;
  }

  /** What to wait for, if anything, before a write that opens a group or commits on its own. */
  writeGate(): Promise<void> | undefined {
    return this.hooks.beforeGroup?.();
  }

  async init(): Promise<void> {}

  /**
   * Runs a transaction's work (store/transact.ts). With nobody else using the connection, the usual case,
   * it runs at once from start to end in the open group (or a new one), and only the wait for the group's
   * COMMIT is asynchronous; otherwise it takes its turn like any other use.
   */
  transact<T>(work: () => TxWork<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    if (this.mutex.idle && (this.group || !this.writeGate())) return this.runWork(work);
    return this.takeTurn(work);
  }

  private async takeTurn<T>(work: () => TxWork<T>): Promise<T> {
    const unlock = await this.mutex.lock();
    let outcome: Promise<T>;
    try {
      if (this.closed) throw new Error('the database is closed');
      if (!this.group) {
        // This use holds the connection's mutex while it waits, so no one else opens a group meanwhile.
        const wait = this.writeGate();
        if (wait) await wait;
      }
      outcome = this.runWork(work);
    } finally {
      unlock();
    }
    return outcome;
  }

  /**
   * The work, start to end, in the open group or a new one; the caller has the connection to itself. Its
   * promise settles when the group commits (at once if the work wrote nothing). A failure before the work
   * changed a row is its own (a check phase cannot change one: store/transact.ts); after, it takes the
   * group with it.
   */
  private runWork<T>(work: () => TxWork<T>): Promise<T> {
    let group: Group | undefined;
    let wrote = false;
    let changed = false;
    try {
      if (!this.group) this.openNewGroup();
      group = this.group!;
      const steps = work();
      let step = steps.next();
      while (!step.done) {
        const query = step.value;
        // Its group was abandoned (see abandonGroup): going on would write outside any transaction.
        if (this.group !== group) throw new Error('the transaction was rolled back by the database');
        let result: QueryResult<unknown>;
        try {
          result = this.run(query.sql, query.parameters);
        } catch (err) {
          step = steps.throw(err);
          continue;
        }
        if (!SelectQueryNode.is(query.query)) {
          wrote = true;
          changed ||= changedRows(query, result);
        }
        step = steps.next(result);
      }
      const value = step.value;
      return wrote ? group.committed.then(() => value) : Promise.resolve(value);
    } catch (err) {
      if (changed && group && this.group === group)
        this.abandonGroup(new Error('the transaction was rolled back: a member of its commit group failed after writing'));
      return Promise.reject(err);
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const unlock = await this.mutex.lock();
    if (this.closed) {
      unlock();
      throw new Error('the database is closed');
    }
    return new GroupConnection(this, unlock);
  }

  /**
   * Kysely's transactions (`db.transaction()`) are not run here: transactions are generator work in two
   * phases (store/transact.ts), which is what keeps a refusal from taking its commit group with it. The
   * Migrator takes none on SQLite (its adapter has no transactional DDL).
   */
  async beginTransaction(): Promise<void> {
    throw new Error("SQLite transactions run through transact() (store/transact.ts), not Kysely's db.transaction()");
  }

  async commitTransaction(): Promise<void> {
    throw new Error('SQLite transactions run through transact() (store/transact.ts)');
  }

  async rollbackTransaction(): Promise<void> {
    throw new Error('SQLite transactions run through transact() (store/transact.ts)');
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    await (conn as GroupConnection).releaseThenAwaitCommit();
  }

  async destroy(): Promise<void> {
    const unlock = await this.mutex.lock();
    try {
      if (this.group) this.commit(this.group);
      this.closed = true;
      this.db.close();
    } finally {
      unlock();
    }
  }

  /**
   * Called after a failed statement. Some errors (I/O, disk full) make SQLite roll back the whole
   * transaction, not just the statement: every member of the group has then lost its writes, so the group
   * fails now, before a later statement could silently run outside any transaction.
   */
  private checkGroupAlive(err: unknown): void {
    if (this.group && !this.db.inTransaction) this.abandonGroup(err ?? new Error('the transaction was rolled back'));
  }

  /** Roll back the open group and fail everyone waiting for its commit. */
  private abandonGroup(err: unknown): void {
    const g = this.group;
    this.group = undefined;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    g?.finish(err);
  }

  private openNewGroup(): void {
    this.exec('BEGIN IMMEDIATE');
    const group = new Group();
    this.group = group;
    setImmediate(() => void this.flush(group));
  }

  private async flush(group: Group): Promise<void> {
    const unlock = await this.mutex.lock();
    try {
      if (this.group === group) this.commit(group);
    } finally {
      unlock();
    }
  }

  private commit(group: Group): void {
    this.group = undefined;
    const t0 = performance.now();
    try {
      this.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      group.finish(err);
      return;
    }
    group.finish();
    // Only after the members know: nothing the hook does can make a committed group look failed.
    this.hooks.onCommit?.(performance.now() - t0);
  }

  /** Run one statement; a failure that took the whole transaction with it fails the group at once. */
  run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    try {
      return this.statements.run<R>(sql, parameters);
    } catch (err) {
      this.checkGroupAlive(err);
      throw err;
    }
  }

  private exec(sql: string): void {
    this.run(sql, []);
  }
}

/**
 * Whether a statement changed anything. Row changes are known for INSERT, UPDATE and DELETE (rows returned
 * stand for rows changed when there is a RETURNING clause); anything else that is not a SELECT (DDL, raw
 * SQL) is taken to have changed something.
 */
function changedRows(compiled: CompiledQuery, result: QueryResult<unknown>): boolean {
  const q = compiled.query;
  if (!InsertQueryNode.is(q) && !UpdateQueryNode.is(q) && !DeleteQueryNode.is(q)) return true;
  if (result.numAffectedRows !== undefined) return result.numAffectedRows > 0n;
  return result.rows.length > 0;
}
