/**
 * Migration 005: holds are indexed by owner only while open, so the index stays the size of the requests in
 * flight, and the queries that ask for open holds (sweep, balance views, metrics) still find them by it.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/billing/accounts.js';
import { Ledger } from '../../src/billing/ledger.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { databases } from '../support/databases.js';

describe.each(databases())('the open-holds index on $name', ({ name, make }) => {
  let db: Db;
  let ledger: Ledger;
  let accounts: Accounts;

  beforeAll(async () => {
    const t = await make();
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    ledger = new Ledger(db.kysely, 'USD');
    accounts = new Accounts(db.kysely, ledger);
  });
  afterAll(async () => db.close());

  it('replaces the (status, owner) index with one on owner where status is open', async () => {
    if (name === 'sqlite') {
      const rows = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'index' and tbl_name = 'holds' and sql is not null`.execute(db.kysely);
      expect(rows.rows.map((r) => r.name)).toEqual(['holds_open_owner']);
      expect(rows.rows[0]!.sql).toMatch(/\("owner"\) where "status" = 'open'/i);
    } else {
      const rows = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where tablename = 'holds' and indexname <> 'holds_pkey'`.execute(db.kysely);
      expect(rows.rows.map((r) => r.indexname)).toEqual(['holds_open_owner']);
      expect(rows.rows[0]!.indexdef).toMatch(/\(owner\) WHERE \(status = 'open'::text\)/);
    }
  });

  it('finds open holds, and only those, after some are settled', async () => {
    const a = await accounts.create('open-index', 1_000_000);
    const holds = await Promise.all(Array.from({ length: 5 }, (_, i) => ledger.hold({ accountId: a.id, keyId: null, requestId: `req_${i}`, model: 'm', amount: 10_000, owner: 'inst_gone' })));
    await ledger.settle(holds[0]!, 10_000);
    await ledger.refund(holds[1]!.id);
    expect(await accounts.held(a.id)).toEqual({ amount: 30_000, count: 3 });
    expect(await ledger.sweep({ liveOwners: ['inst_live'], maxAgeMs: 60_000 })).toBe(3);
    expect(await accounts.held(a.id)).toEqual({ amount: 0, count: 0 });
  });

  it.runIf(name === 'sqlite')('reads open holds through the index instead of scanning every hold', async () => {
    const plan = await sql<{ detail: string }>`explain query plan select id from holds where status = 'open' and owner not like 'task:%'`.execute(db.kysely);
    expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/USING (COVERING )?INDEX holds_open_owner/);
  });
});
