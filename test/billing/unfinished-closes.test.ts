/**
 * A hold whose close fails because the database is unreachable is closed once it is back: the sweep leaves a
 * live process's holds alone, so nobody else would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/billing/accounts.js';
import { Hold } from '../../src/billing/hold.js';
import { Ledger } from '../../src/billing/ledger.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { Transact } from '../../src/store/transact.js';
import { tempDir } from '../support/databases.js';

/** The database's transactions, refused as a dropped connection would be while `down` is true. */
function flaky(db: Db): { transact: Transact; down: boolean } {
  const state = { down: false, transact: undefined as unknown as Transact };
  state.transact = ((work) => {
    if (state.down) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    return db.transact(work);
  }) as Transact;
  return state;
}

describe('hold closes during a database outage', () => {
  let db: Db;
  let ledger: Ledger;
  let accounts: Accounts;
  let link: { transact: Transact; down: boolean };

  beforeAll(async () => {
    db = await openDatabase({ dataDir: tempDir() });
    link = flaky(db);
    ledger = new Ledger({ kysely: db.kysely, transact: (work) => link.transact(work) }, 'USD');
    accounts = new Accounts(db, ledger);
  });
  afterAll(() => db.close());

  const status = async (id: string) => await db.kysely.selectFrom('holds').select(['status', 'charged']).where('id', '=', id).executeTakeFirstOrThrow();

  it('settles a delivered reply once the database is back, and resolves then with what it charged', async () => {
    const a = await accounts.create('outage-settle', 100_000);
    const hold = new Hold(ledger, await ledger.hold({ accountId: a.id, keyId: null, requestId: 'req_1', model: 'm', amount: 10_000, owner: 'inst_live' }));
    link.down = true;
    let charged: number | undefined;
    const settling = hold.settle(4_000).then((n) => (charged = n));
    await new Promise((r) => setTimeout(r, 1500));
    expect(charged).toBeUndefined();
    expect(ledger.unfinishedCloses.size).toBe(1);
    link.down = false;
    await settling;
    expect(charged).toBe(4_000);
    expect(await status(hold.id)).toEqual({ status: 'settled', charged: 4_000 });
    expect((await accounts.get(a.id))!.balance).toBe(96_000);
  });

  it('fails a refund at once so the request is not held up, and completes it once the database is back', async () => {
    const a = await accounts.create('outage-refund', 100_000);
    const hold = new Hold(ledger, await ledger.hold({ accountId: a.id, keyId: null, requestId: 'req_2', model: 'm', amount: 10_000, owner: 'inst_live' }));
    link.down = true;
    await expect(ledger.refund(hold.id, 'upstream failed')).rejects.toThrow(/ECONNREFUSED/);
    expect((await status(hold.id)).status).toBe('open');
    link.down = false;
    const until = Date.now() + 5000;
    while ((await status(hold.id)).status === 'open' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await status(hold.id)).toEqual({ status: 'released', charged: 0 });
    expect((await accounts.get(a.id))!.balance).toBe(100_000);
    // The retry leaves the list of unfinished closes a moment after its commit is seen.
    const gone = Date.now() + 2000;
    while (ledger.unfinishedCloses.size > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(ledger.unfinishedCloses.size).toBe(0);
  });
});
