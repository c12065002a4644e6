/**
 * better-sqlite3 behind Kysely, with group commit.
 *
 * Every charged request writes two short transactions (hold, then settle), and on SQLite the COMMITs were
 * two thirds of the ledger's cost: each one writes every page it touched (accounts, holds, ledger and their
 * indexes) to the WAL. Transactions that arrive in the same event-loop turn touch the same pages, so they
 * share one outer transaction: each runs in its own SAVEPOINT (its failure rolls back only itself), and one
 * COMMIT, scheduled with setImmediate, makes the whole group durable.
 *
 * What callers can rely on is unchanged: a transaction's promise resolves only once its writes are
 * committed, so nothing acts on a hold a crash could still take back, and it rejects if that commit fails.
 * A write outside a transaction that lands while a group is open joins it and likewise waits for the
 * commit. Reads in a group see the group's writes (one connection), as they would see them a moment later.
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
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { StatementCache } from './sqlite-statements.js';

export class GroupCommitSqliteDialect implements Dialect {
  /** `onCommit` runs after every successful COMMIT (the WAL checkpointer counts them). */
  constructor(private readonly db: SQLite.Database, private readonly onCommit: () => void = () => {}) {}
  createAdapter() {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new GroupCommitDriver(this.db, this.onCommit);
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
  lock(): Promise<() => void> {
    let unlock!: () => void;
    const next = new Promise<void>((r) => (unlock = r));
    const ready = this.tail.then(() => unlock);
    this.tail = next;
    return ready;
  }
}

/**
 * One use of the connection, from acquire to release. A transaction gives the lock back at its RELEASE,
 * before Kysely releases the connection, so each use is its own object and releasing it twice is a no-op.
 */
class GroupConnection implements DatabaseConnection {
  /** The open group this use wrote in, whose commit it must wait for. */
  wroteIn: Group | undefined;
  /** Set inside a transaction: its savepoint, and the group it began in. */
  savepoint: string | undefined;
  began: Group | undefined;

  constructor(private readonly driver: GroupCommitDriver, private unlock: (() => void) | undefined) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.unlock) throw new Error('connection used after it was released');
    const group = this.driver.openGroup;
    // Its group was abandoned (see checkGroupAlive): going on would write outside any transaction.
    if (this.savepoint && group !== this.began) throw new Error('the transaction was rolled back by the database');
    if (group && !SelectQueryNode.is(compiled.query)) this.wroteIn = group;
    return this.driver.run<R>(compiled.sql, compiled.parameters);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not used by imagegate');
  }

  /** Give the lock back; the first call does. */
  release(): void {
    const unlock = this.unlock;
    this.unlock = undefined;
    unlock?.();
  }
}

class GroupCommitDriver implements Driver {
  private readonly mutex = new Mutex();
  private readonly statements: StatementCache;
  private group: Group | undefined;
  private closed = false;

  constructor(private readonly db: SQLite.Database, private readonly onCommit: () => void) {
    this.statements = new StatementCache(db);
  }

  get openGroup(): Group | undefined {
    return this.group;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const unlock = await this.mutex.lock();
    if (this.closed) {
      unlock();
      throw new Error('the database is closed');
    }
    return new GroupConnection(this, unlock);
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as GroupConnection;
    if (!this.group) this.openNewGroup();
    c.began = this.group;
    // One name for all: members run one after another (the mutex), never nested, and a fixed text keeps
    // the prepared statements cached.
    c.savepoint = 'member';
    this.exec(`SAVEPOINT ${c.savepoint}`);
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as GroupConnection;
    const wrote = c.wroteIn;
    this.exec(`RELEASE ${c.savepoint}`);
    c.savepoint = undefined;
    c.wroteIn = undefined;
    // Let the next caller in before waiting: the whole point is that it joins this group.
    c.release();
    if (wrote) await wrote.committed;
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as GroupConnection;
    const name = c.savepoint;
    c.savepoint = undefined;
    c.wroteIn = undefined;
    // After an error that made SQLite abandon the whole transaction, there is no savepoint to roll back to.
    if (!name || !this.db.inTransaction) return;
    this.exec(`ROLLBACK TO ${name}`);
    this.exec(`RELEASE ${name}`);
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const c = conn as GroupConnection;
    const wrote = c.wroteIn;
    c.wroteIn = undefined;
    c.release();
    if (wrote) await wrote.committed;
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
   * fails now, before a later SAVEPOINT could silently start a transaction of its own.
   */
  private checkGroupAlive(err: unknown): void {
    if (this.group && !this.db.inTransaction) {
      const g = this.group;
      this.group = undefined;
      g.finish(err ?? new Error('the transaction was rolled back'));
    }
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
    try {
      this.exec('COMMIT');
      this.onCommit();
      group.finish();
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      group.finish(err);
    }
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
