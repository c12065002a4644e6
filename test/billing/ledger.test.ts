import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/billing/accounts.js';
import { Hold } from '../../src/billing/hold.js';
import { formatMoney, Ledger } from '../../src/billing/ledger.js';
import { GatewayError } from '../../src/domain/errors.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { run, type TxWork } from '../../src/store/transact.js';
import { databases } from '../support/databases.js';

describe.each(databases())('ledger on $name', ({ name, make }) => {
  let db: Db;
  let ledger: Ledger;
  let accounts: Accounts;

  beforeAll(async () => {
    const t = await make();
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    ledger = new Ledger(db, 'USD');
    accounts = new Accounts(db, ledger);
  });
  afterAll(async () => db.close());

  async function ledgerSum(accountId: string): Promise<number> {
    const rows = await db.kysely.selectFrom('ledger').select('amount').where('account_id', '=', accountId).execute();
    return rows.reduce((s, r) => s + Number(r.amount), 0);
  }

  const holdReq = (accountId: string, amount: number) => ({ accountId, keyId: null, requestId: 'req_x', model: 'm', amount, owner: 'inst_test' });

  it('creates no account when its opening credit or audit row fails: the account, credit and record commit together', async () => {
    // The audit row's insert fails in the database (no such table), as a write of the transaction would.
    const failing = function* (): TxWork<void> {
      yield* run(sql`insert into no_such_audit_table (id) values ('x')`.compile(db.kysely));
    };
    await expect(accounts.create('half-made', 5_000, 'acct_half_made', failing)).rejects.toThrow(/no_such_audit_table/);
    expect(await accounts.get('acct_half_made')).toBeUndefined();
    expect(await ledgerSum('acct_half_made')).toBe(0);
    await expect(accounts.create('no-credit', 0, 'acct_no_credit', failing)).rejects.toThrow(/no_such_audit_table/);
    expect(await accounts.get('acct_no_credit')).toBeUndefined();
  });

  it('holds, then settles the charge and returns the rest, netting the transaction to minus the charge', async () => {
    const a = await accounts.create('settle', 1_000_000);
    const rec = await ledger.hold(holdReq(a.id, 300_000));
    expect((await accounts.get(a.id))!.balance).toBe(700_000);
    const hold = new Hold(ledger, rec);
    expect(await hold.settle(120_000)).toBe(120_000);
    expect((await accounts.get(a.id))!.balance).toBe(880_000);
    const entries = await db.kysely.selectFrom('ledger').selectAll().where('billing_transaction_id', '=', rec.id).orderBy('seq').execute();
    expect(entries.map((e) => [e.kind, Number(e.amount), Number(e.charged)])).toEqual([
      ['hold', -300_000, 0],
      ['settle', 180_000, 120_000],
    ]);
    expect(await ledgerSum(a.id)).toBe(880_000);
  });

  it('closes a hold exactly once: a second settle or refund changes nothing', async () => {
    const a = await accounts.create('once', 500_000);
    const hold = new Hold(ledger, await ledger.hold(holdReq(a.id, 200_000)));
    await hold.settle(200_000);
    expect(await hold.refund()).toBe(0);
    expect(await ledger.refund(hold.id)).toEqual({ closed: false });
    expect(await ledger.settle(hold.record, 1)).toEqual({ closed: false });
    expect((await accounts.get(a.id))!.balance).toBe(300_000);
    expect(await ledgerSum(a.id)).toBe(300_000);
  });

  it('settles or refunds once when many closers race on the same hold', async () => {
    const a = await accounts.create('race', 1_000_000);
    const rec = await ledger.hold(holdReq(a.id, 400_000));
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => ledger.refund(rec.id)),
      ...Array.from({ length: 10 }, () => ledger.settle(rec, 100_000)),
    ]);
    expect(results.filter((r) => r.closed)).toHaveLength(1);
    const bal = (await accounts.get(a.id))!.balance;
    expect([1_000_000, 900_000]).toContain(bal);
    expect(await ledgerSum(a.id)).toBe(bal);
  });

  it('refuses a hold larger than the balance with 402 insufficient_balance and the needed and available amounts', async () => {
    const a = await accounts.create('poor', 50_000);
    const err = await ledger.hold(holdReq(a.id, 60_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    const body = (err as GatewayError).toBody();
    expect((err as GatewayError).status).toBe(402);
    expect(body.error.code).toBe('insufficient_balance');
    expect(body.error.needed).toBe(60_000);
    expect(body.error.available).toBe(50_000);
    expect((await accounts.get(a.id))!.balance).toBe(50_000);
  });

  it('admits exactly 50 of 200 concurrent one-image holds against a balance for 50, ending at exactly 0', async () => {
    const price = 40_000;
    const a = await accounts.create('figure', 50 * price);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, async () => {
        const hold = new Hold(ledger, await ledger.hold(holdReq(a.id, price)));
        await hold.settle(price);
      }),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as GatewayError).code === 'insufficient_balance').length;
    expect(ok).toBe(50);
    expect(refused).toBe(150);
    expect((await accounts.get(a.id))!.balance).toBe(0);
    expect(await ledgerSum(a.id)).toBe(0);
    const charged = await db.kysely.selectFrom('ledger').select('charged').where('account_id', '=', a.id).where('kind', '=', 'settle').execute();
    expect(charged.reduce((s, r) => s + Number(r.charged), 0)).toBe(50 * price);
  });

  it('sweeps open holds of owners that are gone and leaves live owners alone', async () => {
    const a = await accounts.create('sweep', 1_000_000);
    await ledger.hold({ ...holdReq(a.id, 100_000), owner: 'inst_dead' });
    const live = await ledger.hold({ ...holdReq(a.id, 100_000), owner: 'inst_live' });
    expect(await ledger.sweep({ liveOwners: ['inst_live'], maxAgeMs: 3_600_000 })).toBeGreaterThanOrEqual(1);
    expect((await accounts.get(a.id))!.balance).toBe(900_000);
    expect((await accounts.standing(a.id))!.held.count).toBe(1);
    await ledger.refund(live.id);
    expect(await ledgerSum(a.id)).toBe(1_000_000);
  });

  it("reads an account's balance and open holds as of one moment while holds open and close beside the reads", async () => {
    const a = await accounts.create('standing', 1_000_000);
    let busy = true;
    const churn = (async () => {
      while (busy) await ledger.refund((await ledger.hold(holdReq(a.id, 7_000))).id);
    })();
    const seen: number[] = [];
    for (let i = 0; i < 300; i++) {
      const { account, held } = (await accounts.standing(a.id))!;
      seen.push(account.balance + held.amount);
    }
    busy = false;
    await churn;
    // Refunded holds change nothing in sum: any other sum is a read that saw half a close.
    expect(new Set(seen)).toEqual(new Set([1_000_000]));
  });

  it('enforces a per-key daily spend cap atomically with the hold and gives back unused amounts', async () => {
    const a = await accounts.create('capped', 10_000_000);
    const req = { ...holdReq(a.id, 300_000), keyId: 'key_capped', caps: { day: 500_000 } };
    const first = new Hold(ledger, await ledger.hold(req));
    const err = await ledger.hold(req).catch((e: unknown) => e as GatewayError);
    expect((err as GatewayError).code).toBe('insufficient_balance');
    expect((err as GatewayError).message).toContain('daily spend cap');
    await first.settle(100_000);
    // 200_000 of the first hold went back under the cap, so another 300_000 fits (100_000 + 300_000 ≤ 500_000).
    const second = new Hold(ledger, await ledger.hold(req));
    await second.refund();
  });

  it('gives back on settle only the spend a hold reserved: a cap set after an uncapped hold is not loosened by it', async () => {
    const a = await accounts.create('cap-set-later', 10_000_000);
    const keyId = 'key_cap_set_later';
    const uncapped = new Hold(ledger, await ledger.hold({ ...holdReq(a.id, 400_000), keyId }));
    // The operator sets a daily cap of 500_000 while that hold is open; a capped hold reserves 300_000 of it.
    const capped = { ...holdReq(a.id, 300_000), keyId, caps: { day: 500_000 } };
    const second = new Hold(ledger, await ledger.hold(capped));
    // The uncapped hold settles for 100_000: its 300_000 unused went into no spend row, so none comes back.
    await uncapped.settle(100_000);
    const spent = await db.kysely.selectFrom('key_spend').select(['period', 'amount']).where('key_id', '=', keyId).execute();
    expect(spent.map((r) => Number(r.amount))).toEqual([300_000, 300_000]);
    // So another 300_000 does not fit under the cap (300_000 + 300_000 > 500_000).
    const err = await ledger.hold(capped).catch((e: unknown) => e as GatewayError);
    expect((err as GatewayError).message).toContain('daily spend cap');
    await second.refund();
  });

  it('admits exactly as many concurrent holds as the daily cap allows, refusing the rest without touching the admitted ones', async () => {
    const a = await accounts.create('capped-race', 10_000_000);
    const req = { ...holdReq(a.id, 100_000), keyId: 'key_capped_race', caps: { day: 450_000, month: 10_000_000 } };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => ledger.hold(req)));
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(admitted).toHaveLength(4);
    expect(refused.map((r) => (r.reason as GatewayError).message)).toEqual(Array(6).fill(expect.stringContaining('daily spend cap')));
    expect((await accounts.get(a.id))!.balance).toBe(10_000_000 - 400_000);
    expect((await accounts.standing(a.id))!.held.count).toBe(4);
    expect(await ledgerSum(a.id)).toBe(10_000_000 - 400_000);
  });

  it('refuses a hold over the balance in the same group as holds that fit, which all commit', async () => {
    const a = await accounts.create('mixed', 250_000);
    const results = await Promise.allSettled([ledger.hold(holdReq(a.id, 100_000)), ledger.hold(holdReq(a.id, 900_000)), ledger.hold(holdReq(a.id, 100_000))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await accounts.get(a.id))!.balance).toBe(50_000);
    expect(await ledgerSum(a.id)).toBe(50_000);
  });

  it('refuses an overdrawing debit and a debit of an unknown account in the same group as holds that fit, which all commit', async () => {
    const a = await accounts.create('mixed-adjust', 250_000);
    const results = await Promise.allSettled([
      ledger.hold(holdReq(a.id, 100_000)),
      ledger.adjust(a.id, -900_000, 'debit'),
      ledger.adjust('acct_nobody', -1, 'debit'),
      ledger.hold(holdReq(a.id, 100_000)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(results.slice(1, 3).map((r) => ((r as PromiseRejectedResult).reason as GatewayError).code)).toEqual(['insufficient_balance', 'not_found']);
    expect((await accounts.get(a.id))!.balance).toBe(50_000);
    expect(await ledgerSum(a.id)).toBe(50_000);
  });

  // Migration 005: holds are indexed by owner only while open, so the index stays the size of the requests
  // in flight, and the queries that ask for open holds (sweep, balance views, metrics) still find them by it.
  it('indexes holds by owner only while they are open (one partial index, no other)', async () => {
    if (name === 'sqlite') {
      const rows = await sql<{
        name: string;
        sql: string;
      }>`select name, sql from sqlite_master where type = 'index' and tbl_name = 'holds' and sql is not null`.execute(db.kysely);
      expect(rows.rows.map((r) => r.name)).toEqual(['holds_open_owner']);
      expect(rows.rows[0]!.sql).toMatch(/\("owner"\) where "status" = 'open'/i);
      const plan = await sql<{ detail: string }>`explain query plan select id from holds where status = 'open' and owner not like 'task:%'`.execute(db.kysely);
      expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/USING (COVERING )?INDEX holds_open_owner/);
    } else {
      const rows = await sql<{
        indexname: string;
        indexdef: string;
      }>`select indexname, indexdef from pg_indexes where tablename = 'holds' and indexname <> 'holds_pkey'`.execute(db.kysely);
      expect(rows.rows.map((r) => r.indexname)).toEqual(['holds_open_owner']);
      expect(rows.rows[0]!.indexdef).toMatch(/\(owner\) WHERE \(status = 'open'::text\)/);
    }
  });

  it('finds open holds, and only those, after some are settled or refunded', async () => {
    const a = await accounts.create('open-index', 1_000_000);
    const holds = await Promise.all(Array.from({ length: 5 }, (_, i) => ledger.hold({ ...holdReq(a.id, 10_000), requestId: `req_${i}`, owner: 'inst_gone' })));
    await ledger.settle(holds[0]!, 10_000);
    await ledger.refund(holds[1]!.id);
    expect((await accounts.standing(a.id))!.held).toEqual({ amount: 30_000, count: 3 });
    await ledger.sweep({ liveOwners: ['inst_test'], maxAgeMs: 60_000 });
    expect((await accounts.standing(a.id))!.held).toEqual({ amount: 0, count: 0 });
    expect((await accounts.get(a.id))!.balance).toBe(990_000);
  });

  it('credits and debits through the ledger and refuses a debit that would overdraw', async () => {
    const a = await accounts.create('adjust', 0);
    await ledger.adjust(a.id, 2_500_000, 'credit', 'top-up');
    await ledger.adjust(a.id, -500_000, 'debit');
    const err = await ledger.adjust(a.id, -5_000_000, 'debit').catch((e: unknown) => e as GatewayError);
    expect((err as GatewayError).status).toBe(402);
    expect((await accounts.get(a.id))!.balance).toBe(2_000_000);
    expect(await ledgerSum(a.id)).toBe(2_000_000);
  });
});

describe('formatMoney', () => {
  it('prints micro-units with six decimals using integer arithmetic', () => {
    expect(formatMoney(1_234_567, 'USD')).toBe('1.234567 USD');
    expect(formatMoney(40_000, 'USD')).toBe('0.040000 USD');
    expect(formatMoney(-5, 'USD')).toBe('-0.000005 USD');
  });
});
