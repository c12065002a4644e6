import { type CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { Database } from '../../src/store/schema.js';
import { GatewayError } from '../../src/domain/errors.js';
import { DriverKeepingDialect, firstOf, type ReadQuery, readFirst, readRows, run, type TxWork, type WriteOnly } from '../../src/store/transact.js';
import { databases } from '../support/databases.js';

const writeOnly = <T>(write: () => TxWork<T>): WriteOnly<T> => ({ write });

describe.each(databases())('transactions on the driver, on $name', ({ make }) => {
  let db: Db;

  beforeAll(async () => {
    const t = await make();
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
  });
  afterAll(async () => db.close());

  const account = (id: string) => db.kysely.insertInto('accounts').values({ id, name: id, balance: 100, created_at: Date.now() });
  const balanceOf = async (id: string) => (await db.kysely.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirst())?.balance;

  it('commits the work when it resolves, and returns what it returned', async () => {
    const id = newId('acct');
    const result = await db.transact(
      writeOnly(function* () {
        yield* run(account(id));
        const row = yield* firstOf(db.kysely.updateTable('accounts').set({ balance: 250 }).where('id', '=', id).returning('balance'));
        return row?.balance;
      }),
    );
    expect(result).toBe(250);
    expect(await balanceOf(id)).toBe(250);
  });

  it('rolls back every write of the work when it throws, and rethrows its error', async () => {
    const id = newId('acct');
    await account(id).execute();
    const failure = new Error('refused after writing');
    await expect(
      db.transact(
        writeOnly(function* () {
          yield* run(db.kysely.updateTable('accounts').set({ balance: 0 }).where('id', '=', id));
          yield* run(account(newId('acct')));
          throw failure;
        }),
      ),
    ).rejects.toBe(failure);
    expect(await balanceOf(id)).toBe(100);
  });

  it('reads its own writes before they commit', async () => {
    const id = newId('acct');
    const seen = await db.transact(
      writeOnly(function* () {
        yield* run(account(id));
        return (yield* firstOf(db.kysely.selectFrom('accounts').select('name').where('id', '=', id)))?.name;
      }),
    );
    expect(seen).toBe(id);
  });

  it('throws a failed statement into the work where it ran it, and rolls back what the work wrote before', async () => {
    const id = newId('acct');
    const seen: string[] = [];
    const outcome = db.transact(
      writeOnly(function* () {
        yield* run(account(id));
        try {
          // The same primary key again: refused by the database.
          yield* run(account(id));
        } catch (err) {
          seen.push((err as Error).message);
          throw new Error('the work gave up', { cause: err });
        }
      }),
    );
    await expect(outcome).rejects.toThrow('the work gave up');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/UNIQUE|duplicate key/);
    expect(await balanceOf(id)).toBeUndefined();
  });

  it('hands what the check phase read to the write phase, in the same transaction', async () => {
    const id = newId('acct');
    await account(id).execute();
    const after = await db.transact({
      *check() {
        return (yield* readFirst(db.kysely.selectFrom('accounts').select('balance').where('id', '=', id)))?.balance ?? 0;
      },
      *write(balance) {
        return (yield* firstOf(
          db.kysely
            .updateTable('accounts')
            .set({ balance: balance * 2 })
            .where('id', '=', id)
            .returning('balance'),
        ))?.balance;
      },
    });
    expect(after).toBe(200);
    expect(await balanceOf(id)).toBe(200);
  });

  it('refuses in the check phase with its own error, and never runs the write phase', async () => {
    const id = newId('acct');
    const refusal = new GatewayError('insufficient_balance', 'not enough');
    let wrote = false;
    await expect(
      db.transact({
        *check() {
          yield* readRows(db.kysely.selectFrom('accounts').select('id').where('id', '=', id));
          throw refusal;
        },
        *write() {
          wrote = true;
          yield* run(account(id));
        },
      }),
    ).rejects.toBe(refusal);
    expect(wrote).toBe(false);
    expect(await balanceOf(id)).toBeUndefined();
  });

  it('refuses a write that the check phase yields, before it runs', async () => {
    const id = newId('acct');
    await expect(
      db.transact({
        *check() {
          // Past the types, as only a cast can: the check phase takes SELECTs.
          yield account(id).compile() as CompiledQuery as ReadQuery;
        },
        *write() {},
      }),
    ).rejects.toThrow(/check phase may only read/);
    expect(await balanceOf(id)).toBeUndefined();
  });

  it('gives the connection back after each transaction, committed or not: 50 in turn leave the database usable', async () => {
    for (let i = 0; i < 50; i++) {
      await db
        .transact(
          writeOnly(function* () {
            yield* run(db.kysely.selectFrom('accounts').select('id').limit(1));
            if (i % 2) throw new Error('no');
          }),
        )
        .catch(() => {});
    }
    expect(await balanceOf('nobody')).toBeUndefined();
  });
});

describe('DriverKeepingDialect', () => {
  it('refuses transactions before Kysely has created the driver', () => {
    const dialect = new DriverKeepingDialect(new SqliteDialect({ database: new SQLite(':memory:') }));
    expect(() => dialect.transact()).toThrow(/has not created its driver/);
  });

  it('runs transactions on the very driver the Kysely instance uses', async () => {
    const dialect = new DriverKeepingDialect(new SqliteDialect({ database: new SQLite(':memory:') }));
    const kysely = new Kysely<Database>({ dialect });
    await kysely.schema
      .createTable('accounts')
      .addColumn('id', 'text')
      .addColumn('name', 'text')
      .addColumn('balance', 'integer')
      .addColumn('created_at', 'integer')
      .execute();
    await dialect.transact()(
      writeOnly(function* () {
        yield* run(kysely.insertInto('accounts').values({ id: 'a', name: 'a', balance: 1, created_at: 0 }));
      }),
    );
    // An in-memory database is private to its connection: the row is visible only through the same driver.
    expect(await kysely.selectFrom('accounts').select('id').execute()).toEqual([{ id: 'a' }]);
    await kysely.destroy();
  });
});
