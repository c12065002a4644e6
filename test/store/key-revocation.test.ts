/**
 * A key revoked on one gateway stops working on every other gateway on the same PostgreSQL database within a
 * second: revokes NOTIFY, each process LISTENs and clears its key cache, and the listener comes back by
 * itself after its connection breaks.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { KeyStore } from '../../src/store/keys.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue } from '../support/wait.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** Two processes' stores on one database; the second caches keys for a minute, so only the feed can reach it in time. */
async function twoStores(): Promise<{ a: KeyStore; b: KeyStore; dbA: Db }> {
  const url = await freshPostgres();
  const dbA = await openDatabase({ databaseUrl: url, dataDir: tempDir() });
  const dbB = await openDatabase({ databaseUrl: url, dataDir: tempDir() });
  open.push(dbA, dbB);
  await dbA.kysely.insertInto('accounts').values({ id: 'acct_r', name: 'r', balance: 0, created_at: Date.now() }).execute();
  return { a: new KeyStore(dbA), b: new KeyStore(dbB, 60_000), dbA };
}

/** ms until `b` refuses the secret (the last poll's answer decides; a timeout returns over 3000). */
async function msUntilRefused(b: KeyStore, secret: string): Promise<number> {
  const started = Date.now();
  const key = await pollValue(
    () => b.authenticate(secret),
    (k) => k === undefined,
    3_000,
  );
  return key === undefined ? Date.now() - started : Infinity;
}

describe.skipIf(!PG_URL)('key revocation across processes (PostgreSQL)', () => {
  it('reaches a process that cached the key, long before its cache would expire', async () => {
    const { a, b } = await twoStores();
    const { key, secret } = await a.create('acct_r', { name: 'k', createdBy: null });
    expect(await b.authenticate(secret)).toMatchObject({ id: key.id });
    await a.revoke(key.id);
    expect(await msUntilRefused(b, secret)).toBeLessThan(1_000);
  });

  it('reaches it after its listening connection was terminated and came back', async () => {
    const { a, b, dbA } = await twoStores();
    const { key, secret } = await a.create('acct_r', { name: 'k', createdBy: null });
    expect(await b.authenticate(secret)).toMatchObject({ id: key.id });
    const { rows } = await sql<{
      ok: boolean;
    }>`select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and query like 'LISTEN%'`.execute(dbA.kysely);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    await a.revoke(key.id);
    expect(await msUntilRefused(b, secret)).toBeLessThan(1_000);
    // And the listener is back: a later revoke arrives by notice too.
    const second = await a.create('acct_r', { name: 'k2', createdBy: null });
    await new Promise((r) => setTimeout(r, 500));
    expect(await b.authenticate(second.secret)).toMatchObject({ id: second.key.id });
    await a.revoke(second.key.id);
    expect(await msUntilRefused(b, second.secret)).toBeLessThan(1_000);
  });

  it('two gateways: a key revoked through one is refused by the other within 1 s', async () => {
    const url = await freshPostgres();
    const one: TestGateway = await startGateway({ databaseUrl: url });
    open.push(one);
    const two: TestGateway = await startGateway({ databaseUrl: url });
    open.push(two);
    const { key, keyId } = await one.clientKey({ balance: 1_000_000 });
    const balanceOnTwo = () => fetch(`${two.url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await balanceOnTwo()).toBe(200);
    expect((await one.admin(`/v1/admin/keys/${keyId}/revoke`, { method: 'POST', body: {} })).status).toBe(200);
    const started = Date.now();
    const status = await pollValue(balanceOnTwo, (s) => s === 401, 3_000);
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('key revocation on SQLite', () => {
  it('takes effect at once in the one process', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    open.push(db);
    await db.kysely.insertInto('accounts').values({ id: 'acct_r', name: 'r', balance: 0, created_at: Date.now() }).execute();
    const keys = new KeyStore(db, 60_000);
    const { key, secret } = await keys.create('acct_r', { name: 'k', createdBy: null });
    expect(await keys.authenticate(secret)).toBeDefined();
    await keys.revoke(key.id);
    expect(await keys.authenticate(secret)).toBeUndefined();
  });
});
