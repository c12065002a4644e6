/**
 * Time of the console's admin list pages over HTTP on SQLite with a million accounts, a million keys, a
 * million holds (100 open) and a million ledger entries of one account:
 * `node --import tsx bench/admin-lists.ts [rows]`. Each figure is the median of 5 calls of the real endpoint.
 */
import SQLite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createGateway } from '../src/gateway.js';
import { openDatabase } from '../src/store/db.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-admin-lists-bench-'));
const ADMIN_KEY = 'sk-ig-bench-admin-key-0123456789';
const base = Date.now() - rows * 1000;

const db = await openDatabase({ dataDir });
await db.close();
const raw = new SQLite(join(dataDir, 'imagegate.sqlite'));
const account = raw.prepare('insert into accounts (id, name, balance, created_at) values (?, ?, 0, ?)');
const key = raw.prepare(
  `insert into api_keys (id, account_id, name, hash, prefix, is_admin, status, expires_at, drop_unsupported, created_at)
   values (?, ?, ?, ?, ?, 0, ?, ?, 0, ?)`,
);
const hold = raw.prepare(
  `insert into holds (id, account_id, request_id, model, amount, status, charged, owner, created_at) values (?, ?, 'req', 'm', 2500, ?, 0, 'inst', ?)`,
);
const ledger = raw.prepare(
  `insert into ledger (id, account_id, billing_transaction_id, kind, amount, charged, balance_after, created_at) values (?, 'acct_big', ?, 'credit', 1, 0, 0, ?)`,
);
const fill = raw.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const at = base + i * 1000;
    // One account in ten is an "Acme"; the oldest is the only "Zebra".
    account.run(`acct_${i}`, i === 0 ? 'Zebra Labs' : i % 10 === 0 ? `Acme ${i}` : `Customer ${i}`, at);
    const status = i % 100 === 0 ? 'revoked' : 'active';
    key.run(
      `key_${i}`,
      `acct_${i}`,
      i === 0 ? 'zebra-prod' : `app ${i}`,
      `hash_${i}`,
      `sk-ig-${i.toString(36).padStart(4, '0')}`,
      status,
      i % 1000 === 1 ? at : null,
      at,
    );
    hold.run(`txn_${i}`, `acct_${i % 1000}`, i >= rows - 100 ? 'open' : 'settled', at);
    ledger.run(`led_${i}`, `txn_l${i}`, at);
  }
});
const started = performance.now();
for (let i = 0; i < rows; i += 50_000) fill(i, Math.min(rows, i + 50_000));
raw.exec('analyze');
raw.close();
console.log(`filled ${rows} accounts, keys, holds and ledger entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_ADMIN_KEY: ADMIN_KEY, IMAGEGATE_LOG_LEVEL: 'silent' });
const gateway = await createGateway(config, { logger: pino({ level: 'silent' }) });
const url = (await gateway.listen()).replace('localhost', '127.0.0.1');

async function time(label: string, path: string): Promise<void> {
  const times: number[] = [];
  let shown = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const body = (await res.json()) as { data?: unknown[] };
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    times.push(performance.now() - t);
    shown = body.data?.length ?? 0;
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(46)} ${String(shown).padStart(3)} rows  median ${times[2]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms`);
}

const mid = Math.floor(rows / 2);
await time('accounts, first page', '/v1/admin/accounts');
await time('accounts, a page in the middle', `/v1/admin/accounts?after=acct_${mid}`);
await time('accounts, q=acme (1 in 10)', '/v1/admin/accounts?q=acme');
await time('accounts, q=zebra (the oldest only)', '/v1/admin/accounts?q=zebra');
await time('accounts, q=nobody (no match)', '/v1/admin/accounts?q=nobody');
await time('accounts, q=<an id>', `/v1/admin/accounts?q=acct_${mid}`);
await time('keys, first page', '/v1/admin/keys');
await time('keys, status=revoked (1 in 100)', '/v1/admin/keys?status=revoked');
await time('keys, status=expired (1 in 1000)', '/v1/admin/keys?status=expired');
await time('keys, q=zebra (the oldest only)', '/v1/admin/keys?q=zebra');
await time("keys, one account's", `/v1/admin/keys?account_id=acct_${mid}`);
await time("ledger, an account's first page (1 M entries)", '/v1/admin/ledger?account_id=acct_big&limit=50');
await time('ledger, a page in the middle', `/v1/admin/ledger?account_id=acct_big&limit=50&after=led_${mid}`);
await gateway.close();
rmSync(dataDir, { recursive: true, force: true });
