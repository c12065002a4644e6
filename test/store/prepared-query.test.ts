import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { run } from '../../src/store/transact.js';
import { databases } from '../support/databases.js';

describe.each(databases())('prepared queries on $name', ({ make }) => {
  let db: Db;

  beforeAll(async () => {
    const t = await make();
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    await db.kysely
      .insertInto('accounts')
      .values([
        { id: 'acct_a', name: 'a', balance: 100, created_at: 1 },
        { id: 'acct_b', name: 'b', balance: 500, created_at: 1 },
      ])
      .execute();
  });
  afterAll(async () => db.close());

  const balance = async (id: string) =>
    Number((await db.kysely.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirstOrThrow()).balance);

  it('runs with the values of each call, not those it was compiled with', async () => {
    const debit = preparedQuery((v: { id: string; amount: number }) =>
      db.kysely
        .updateTable('accounts')
        .set({ balance: sql<number>`balance - ${v.amount}` })
        .where('id', '=', v.id)
        .where('balance', '>=', v.amount)
        .returning('balance'),
    );
    expect(Number((await debit.first(db.kysely, { id: 'acct_a', amount: 30 }))?.balance)).toBe(70);
    expect(Number((await debit.first(db.kysely, { id: 'acct_b', amount: 200 }))?.balance)).toBe(300);
    // The guard binds the amount too: 100 is more than acct_a has left, so no row changes.
    expect(await debit.first(db.kysely, { id: 'acct_a', amount: 100 })).toBeUndefined();
    expect(await balance('acct_a')).toBe(70);
    expect(await balance('acct_b')).toBe(300);
  });

  it('binds a value used twice in both places and keeps the constants the builder wrote', async () => {
    const setTo = preparedQuery((v: { id: string; to: number }) =>
      db.kysely
        .updateTable('accounts')
        .set({ balance: v.to, name: 'renamed' })
        .where('id', '=', v.id)
        .where('balance', '!=', v.to)
        .returning(['balance', 'name']),
    );
    const row = await setTo.first(db.kysely, { id: 'acct_b', to: 42 });
    expect({ balance: Number(row?.balance), name: row?.name }).toEqual({ balance: 42, name: 'renamed' });
    // Already 42: the second use of `to` (the guard) got the same value.
    expect(await setTo.first(db.kysely, { id: 'acct_b', to: 42 })).toBeUndefined();
  });

  it('runs inside a transaction, whose rollback takes its write back', async () => {
    const credit = preparedQuery((v: { id: string; amount: number }) =>
      db.kysely
        .updateTable('accounts')
        .set({ balance: sql<number>`balance + ${v.amount}` })
        .where('id', '=', v.id),
    );
    const before = await balance('acct_a');
    await expect(
      db.transact({
        *write() {
          yield* run(credit.bind({ id: 'acct_a', amount: 5 }));
          throw new Error('roll back');
        },
      }),
    ).rejects.toThrow('roll back');
    expect(await balance('acct_a')).toBe(before);
    await db.transact({
      *write() {
        yield* run(credit.bind({ id: 'acct_a', amount: 5 }));
      },
    });
    expect(await balance('acct_a')).toBe(before + 5);
  });

  it('refuses a value the builder read without binding it, since later values would not reach the SQL', async () => {
    const branching = preparedQuery((v: { id: string; all: boolean }) => {
      let q = db.kysely.selectFrom('accounts').select('id');
      if (!v.all) q = q.where('id', '=', v.id);
      return q;
    });
    await expect(branching.run(db.kysely, { id: 'acct_a', all: false })).rejects.toThrow(/value "all" is not a bound parameter/);
  });
});
