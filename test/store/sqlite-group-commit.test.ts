/**
 * Group commit on SQLite: transactions of one event-loop turn share a COMMIT, yet each caller still learns
 * of its transaction only once it is durable, or that it failed; one member's failure is its own, a failed
 * COMMIT is everyone's.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import SQLite from 'better-sqlite3';
import { type CompiledQuery, Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { GroupCommitSqliteDialect } from '../../src/store/sqlite-group-commit.js';
import { GatewayError } from '../../src/domain/errors.js';
import { DriverKeepingDialect, type ReadQuery, readRows, rowsOf, run, type TxWork, type WriteOnly } from '../../src/store/transact.js';
import { tempDir } from '../support/databases.js';

const writeOnly = <T>(write: () => TxWork<T>): WriteOnly<T> => ({ write });

interface Schema {
  t: { id: string; v: number };
}

/** Lets a test see, and break, the statements the driver runs. */
interface Hooks {
  commits: number;
  /** Called before each statement runs; throw to make it fail. */
  before?: (sql: string, params: readonly unknown[]) => void;
}

function instrumented(db: SQLite.Database, hooks: Hooks): SQLite.Database {
  const wrapStatement = (sql: string, stmt: SQLite.Statement) =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === 'run' || prop === 'all') {
          return (params: unknown[]) => {
            hooks.before?.(sql, params);
            if (sql === 'COMMIT') hooks.commits++;
            return prop === 'run' ? target.run(params) : target.all(params);
          };
        }
        return Reflect.get(target, prop, target);
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrapStatement(sql, target.prepare(sql));
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** What SQLite does on SQLITE_FULL or an I/O error mid-statement: it rolls back the whole transaction. */
function abandonTransactionOnInsertOf(id: string, hooks: Hooks, raw: SQLite.Database) {
  hooks.before = (sql, params) => {
    if (sql.startsWith('insert') && params.includes(id)) {
      raw.exec('ROLLBACK');
      throw new Error('database or disk is full');
    }
  };
}

let open: Array<{ kysely: Kysely<Schema>; observer: SQLite.Database }> = [];
afterEach(async () => {
  for (const o of open) {
    await o.kysely.destroy().catch(() => {});
    o.observer.close();
  }
  open = [];
});

function setup() {
  const file = join(tempDir(), 'g.sqlite');
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const hooks: Hooks = { commits: 0 };
  const dialect = new DriverKeepingDialect(new GroupCommitSqliteDialect(instrumented(raw, hooks)));
  const kysely = new Kysely<Schema>({ dialect });
  const transact = dialect.transact();
  // A second connection sees only what is committed: the test's stand-in for "after a crash".
  const observer = new SQLite(file, { readonly: true });
  open.push({ kysely, observer });
  const committed = (id: string) => observer.prepare('SELECT 1 FROM t WHERE id = ?').get(id) !== undefined;
  const insertIn = (id: string, v = 1) =>
    transact({
      *write() {
        yield* run(kysely.insertInto('t').values({ id, v }));
      },
    });
  return { kysely, hooks, raw, committed, insertIn, transact };
}

describe('SQLite group commit', () => {
  it('commits transactions of one turn with a single COMMIT, each resolving only once its row is committed', async () => {
    const { hooks, committed, insertIn } = setup();
    const seenOnResolve = await Promise.all(Array.from({ length: 20 }, (_, i) => insertIn(`r${i}`).then(() => committed(`r${i}`))));
    expect(seenOnResolve).toEqual(Array(20).fill(true));
    expect(hooks.commits).toBe(1);
  });

  it('fails only the member that throws before changing anything; the rest of its group commits', async () => {
    const { kysely, hooks, committed, insertIn, transact } = setup();
    const refused = transact({
      *write() {
        // A guarded write that matches nothing, as a hold on an empty balance does, then the refusal.
        yield* run(kysely.updateTable('t').set({ v: 0 }).where('id', '=', 'nobody'));
        throw new Error('not enough balance');
      },
    });
    const results = await Promise.allSettled([insertIn('a'), refused, insertIn('b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('not enough balance');
    expect([committed('a'), committed('b')]).toEqual([true, true]);
    expect(hooks.commits).toBe(1);
  });

  it('rolls back the whole group when a member throws after writing: those before it fail too, the next group commits', async () => {
    const { kysely, committed, insertIn, transact } = setup();
    const before = insertIn('a');
    const failing = transact({
      *write() {
        yield* run(kysely.insertInto('t').values({ id: 'bad', v: 1 }));
        throw new Error('caller gave up');
      },
    });
    const after = insertIn('b');
    const results = await Promise.allSettled([before, failing, after]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(/failed after writing/);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('caller gave up');
    expect([committed('a'), committed('bad'), committed('b')]).toEqual([false, false, true]);
  });

  it('rejects every member when the COMMIT fails, keeps none of their rows, and commits the next group', async () => {
    const { hooks, committed, insertIn } = setup();
    let failNextCommit = true;
    hooks.before = (sql) => {
      if (sql === 'COMMIT' && failNextCommit) {
        failNextCommit = false;
        throw new Error('disk I/O error');
      }
    };
    const results = await Promise.allSettled([insertIn('x1'), insertIn('x2'), insertIn('x3')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('disk I/O error');
    expect(['x1', 'x2', 'x3'].map(committed)).toEqual([false, false, false]);
    await insertIn('after');
    expect(committed('after')).toBe(true);
  });

  it("keeps the rest of its commit group when a transaction refuses in its check phase, after reading the group's writes", async () => {
    const { kysely, hooks, committed, insertIn, transact } = setup();
    const first = insertIn('a');
    const refused = transact({
      *check() {
        const rows = yield* readRows(kysely.selectFrom('t').select('id'));
        throw new GatewayError('insufficient_balance', `refused after seeing ${rows.length} row`);
      },
      *write() {
        yield* run(kysely.insertInto('t').values({ id: 'never', v: 1 }));
      },
    });
    const results = await Promise.allSettled([first, refused, insertIn('b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(GatewayError);
    expect(reason.message).toBe('refused after seeing 1 row');
    expect([committed('a'), committed('never'), committed('b')]).toEqual([true, false, true]);
    expect(hooks.commits).toBe(1);
  });

  it('refuses a write that a check phase yields, before it runs, and keeps the rest of its commit group', async () => {
    const { kysely, hooks, committed, insertIn, transact } = setup();
    const sneaky = transact({
      *check() {
        // Past the types, as only a cast can: the check phase takes SELECTs.
        yield kysely.insertInto('t').values({ id: 'sneaked', v: 1 }).compile() as CompiledQuery as ReadQuery;
        throw new Error('refused after writing');
      },
      *write() {},
    });
    const results = await Promise.allSettled([insertIn('a'), sneaky, insertIn('b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/check phase may only read/);
    expect([committed('a'), committed('sneaked'), committed('b')]).toEqual([true, false, true]);
    expect(hooks.commits).toBe(1);
  });

  it('fails its whole commit group when the write phase throws after writing, whatever its check phase read', async () => {
    const { kysely, committed, insertIn, transact } = setup();
    const before = insertIn('a');
    const failing = transact({
      *check() {
        return (yield* readRows(kysely.selectFrom('t').select('id'))).length;
      },
      *write(seen) {
        yield* run(kysely.insertInto('t').values({ id: 'bad', v: seen }));
        throw new Error('gave up after writing');
      },
    });
    const after = insertIn('b');
    const results = await Promise.allSettled([before, failing, after]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(/failed after writing/);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('gave up after writing');
    expect([committed('a'), committed('bad'), committed('b')]).toEqual([false, false, true]);
  });

  it("refuses Kysely's own transactions, which have no check phase, and leaves the connection usable", async () => {
    const { kysely, committed, insertIn } = setup();
    await expect(kysely.transaction().execute((trx) => trx.insertInto('t').values({ id: 'k', v: 1 }).execute())).rejects.toThrow(/transact\(\)/);
    await insertIn('after');
    expect([committed('k'), committed('after')]).toEqual([false, true]);
  });

  it('fails the whole group at once when an error makes SQLite abandon the transaction, and starts a fresh one after', async () => {
    const { hooks, raw, committed, insertIn } = setup();
    abandonTransactionOnInsertOf('full', hooks, raw);
    const results = await Promise.allSettled([insertIn('m1'), insertIn('full'), insertIn('m3')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    // m1 was in the abandoned group; m3 came after it and must not have run outside any transaction.
    expect([committed('m1'), committed('full'), committed('m3')]).toEqual([false, false, true]);
    expect(raw.inTransaction).toBe(false);
  });

  it('refuses further writes from a transaction that swallowed the error which abandoned its group', async () => {
    const { kysely, hooks, raw, committed, transact } = setup();
    abandonTransactionOnInsertOf('full', hooks, raw);
    const stubborn = transact({
      *write() {
        try {
          yield* run(kysely.insertInto('t').values({ id: 'full', v: 1 }));
        } catch {
          // swallowed
        }
        yield* run(kysely.insertInto('t').values({ id: 'carried-on', v: 1 }));
      },
    });
    await expect(stubborn).rejects.toThrow('rolled back');
    expect(committed('carried-on')).toBe(false);
  });

  it('makes a write outside any transaction that lands in an open group wait for that group to commit', async () => {
    const { kysely, committed, insertIn } = setup();
    const [, plainSeen] = await Promise.all([
      insertIn('in-txn'),
      kysely
        .insertInto('t')
        .values({ id: 'plain', v: 2 })
        .execute()
        .then(() => committed('plain')),
    ]);
    expect(plainSeen).toBe(true);
  });

  it('lets a read-only transaction return without waiting for the commit of its group', async () => {
    const { kysely, committed, insertIn, transact } = setup();
    const write = insertIn('w');
    const readDone = await transact({
      *write() {
        return yield* rowsOf(kysely.selectFrom('t').selectAll());
      },
    }).then(() => committed('w'));
    expect(readDone).toBe(false);
    await write;
    expect(committed('w')).toBe(true);
  });

  it('commits the open group when the database is closed', async () => {
    const { kysely, hooks, committed, insertIn } = setup();
    const inserted = new Promise<void>((resolve) => (hooks.before = (sql) => sql.startsWith('insert') && resolve()));
    const pending = insertIn('last');
    await inserted;
    expect(committed('last')).toBe(false);
    await kysely.destroy();
    await pending;
    expect(committed('last')).toBe(true);
  });
});

describe('transactions as generator work on the group-commit driver (store/transact.ts)', () => {
  function withTransact(beforeGroup?: () => Promise<void> | undefined) {
    const file = join(tempDir(), 'w.sqlite');
    const raw = new SQLite(file);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    const hooks: Hooks = { commits: 0 };
    const dialect = new DriverKeepingDialect(new GroupCommitSqliteDialect(instrumented(raw, hooks), { beforeGroup }));
    const kysely = new Kysely<Schema>({ dialect });
    const observer = new SQLite(file, { readonly: true });
    open.push({ kysely, observer });
    const committed = (id: string) => observer.prepare('SELECT 1 FROM t WHERE id = ?').get(id) !== undefined;
    const insert = (id: string) => kysely.insertInto('t').values({ id, v: 1 });
    return { kysely, hooks, committed, insert, transact: () => dialect.transact() };
  }

  it('shares one COMMIT with the plain writes of its turn, and resolves only once its rows are committed', async () => {
    const { kysely, hooks, committed, insert, transact } = withTransact();
    await kysely.selectFrom('t').selectAll().execute(); // Kysely creates its driver on the first query
    const tx = transact();
    const work = Array.from({ length: 5 }, (_, i) =>
      tx(
        writeOnly(function* () {
          yield* run(insert(`g${i}`));
          return `g${i}`;
        }),
      ).then((id) => committed(id)),
    );
    const kyselyTx = kysely.insertInto('t').values({ id: 'k', v: 1 }).execute();
    expect(await Promise.all(work)).toEqual(Array(5).fill(true));
    await kyselyTx;
    expect(committed('k')).toBe(true);
    expect(hooks.commits).toBe(1);
  });

  it("waits for a use of the connection that holds it across an await (the Migrator's), and runs after it, not inside it", async () => {
    const { kysely, insert, transact } = withTransact();
    await kysely.selectFrom('t').selectAll().execute();
    let started!: () => void;
    const inside = new Promise<void>((r) => (started = r));
    const long = kysely.connection().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 'k1', v: 1 }).execute();
      started();
      await new Promise((r) => setTimeout(r, 20));
      await trx.insertInto('t').values({ id: 'k2', v: 1 }).execute();
    });
    await inside;
    const g = transact()({
      *write() {
        yield* run(insert('g'));
      },
    });
    await Promise.all([long, g]);
    const order = await kysely.selectFrom('t').select('id').orderBy(sql`rowid`).execute();
    expect(order.map((r) => r.id)).toEqual(['k1', 'k2', 'g']);
  });

  it('fails alone when it throws before writing; takes its group with it when it throws after', async () => {
    const { kysely, committed, insert, transact } = withTransact();
    await kysely.selectFrom('t').selectAll().execute();
    const tx = transact();
    const refused = tx(
      writeOnly(function* () {
        yield* rowsOf(kysely.selectFrom('t').selectAll());
        throw new Error('not enough balance');
      }),
    );
    const kept = tx(
      writeOnly(function* () {
        yield* run(insert('kept'));
      }),
    );
    const results = await Promise.allSettled([refused, kept]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(committed('kept')).toBe(true);

    const before = tx(
      writeOnly(function* () {
        yield* run(insert('a'));
      }),
    );
    const failing = tx(
      writeOnly(function* () {
        yield* run(insert('bad'));
        throw new Error('gave up after writing');
      }),
    );
    const after = tx(
      writeOnly(function* () {
        yield* run(insert('b'));
      }),
    );
    const second = await Promise.allSettled([before, failing, after]);
    expect(second.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((second[0] as PromiseRejectedResult).reason.message).toMatch(/failed after writing/);
    expect([committed('a'), committed('bad'), committed('b')]).toEqual([false, false, true]);
  });

  it('opens no group while the checkpointer holds writes, and commits once the hold ends', async () => {
    let hold: Promise<void> | undefined;
    let letGo = () => {};
    const { kysely, committed, insert, transact } = withTransact(() => hold);
    await kysely.selectFrom('t').selectAll().execute();
    hold = new Promise<void>((r) => (letGo = r));
    const g = transact()(
      writeOnly(function* () {
        yield* run(insert('held'));
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(committed('held')).toBe(false);
    hold = undefined;
    letGo();
    await g;
    expect(committed('held')).toBe(true);
  });
});

describe('holding writes for the WAL checkpointer (beforeGroup)', () => {
  function gated() {
    const file = join(tempDir(), 'h.sqlite');
    const raw = new SQLite(file);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    let hold: Promise<void> | undefined;
    let letGo = () => {};
    const commits: number[] = [];
    const dialect = new DriverKeepingDialect(new GroupCommitSqliteDialect(raw, { beforeGroup: () => hold, onCommit: (ms) => commits.push(ms) }));
    const kysely = new Kysely<Schema>({ dialect });
    const transact = dialect.transact();
    const observer = new SQLite(file, { readonly: true });
    open.push({ kysely, observer });
    const committed = (id: string) => observer.prepare('SELECT 1 FROM t WHERE id = ?').get(id) !== undefined;
    const holdWrites = () => {
      hold = new Promise<void>((resolve) => (letGo = resolve));
      return () => {
        hold = undefined;
        letGo();
      };
    };
    return { kysely, committed, holdWrites, commits, transact };
  }

  it('opens no group while held: a transaction writes nothing until the hold ends, then commits', async () => {
    const { kysely, committed, holdWrites, transact } = gated();
    const release = holdWrites();
    const tx = transact(
      writeOnly(function* () {
        yield* run(kysely.insertInto('t').values({ id: 'a', v: 1 }));
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(committed('a')).toBe(false);
    release();
    await tx;
    expect(committed('a')).toBe(true);
  });

  it('holds a write outside any transaction too, and counts it as a COMMIT once it is written', async () => {
    const { kysely, committed, holdWrites, commits } = gated();
    const release = holdWrites();
    const write = kysely.insertInto('t').values({ id: 'solo', v: 1 }).execute();
    await new Promise((r) => setTimeout(r, 20));
    expect(committed('solo')).toBe(false);
    expect(commits).toHaveLength(0);
    release();
    await write;
    expect(committed('solo')).toBe(true);
    expect(commits).toHaveLength(1);
  });

  it('lets reads through while held', async () => {
    const { kysely, holdWrites } = gated();
    const release = holdWrites();
    await expect(kysely.selectFrom('t').selectAll().execute()).resolves.toEqual([]);
    release();
  });
});

describe('SQLite group commit under SIGKILL', () => {
  it('has every hold and settle a caller saw resolve in the database after the process is killed', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/fixtures/ledger-under-kill.ts', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const held = new Set<string>();
    const settled = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const [what, id] = line.split(' ');
        if (what === 'held') held.add(id!);
        if (what === 'settled') settled.add(id!);
        if (settled.size === 3000) child.kill('SIGKILL');
      });
    });
    expect(settled.size).toBeGreaterThanOrEqual(3000);

    const db = await openDatabase({ dataDir });
    try {
      const holds = await db.kysely.selectFrom('holds').select(['id', 'status']).execute();
      const status = new Map(holds.map((h) => [h.id, h.status]));
      expect([...held].filter((id) => !status.has(id))).toEqual([]);
      expect([...settled].filter((id) => status.get(id) !== 'settled')).toEqual([]);
      const account = await db.kysely.selectFrom('accounts').select('balance').where('id', '=', 'acct_kill').executeTakeFirstOrThrow();
      const entries = await db.kysely.selectFrom('ledger').select('amount').where('account_id', '=', 'acct_kill').execute();
      // Nothing half-written either: the balance is the start plus every ledger entry.
      expect(account.balance).toBe(1_000_000_000_000 + entries.reduce((s, e) => s + Number(e.amount), 0));
      const open = holds.filter((h) => h.status === 'open').length;
      expect(account.balance).toBe(1_000_000_000_000 - 600 * (holds.length - open) - 1000 * open);
    } finally {
      await db.close();
    }
  }, 60_000);
});
