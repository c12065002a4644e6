/**
 * Time of GET /v1/admin/overview's queries with a million request-log rows (and a settle entry per charged
 * request) on SQLite: `node --import tsx bench/overview.ts [rows]`. Rows spread evenly over the last 30 days.
 */
import SQLite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OVERVIEW_RANGES, type OverviewRange, overview } from '../src/billing/overview.js';
import { openDatabase } from '../src/store/db.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-overview-bench-'));
const now = Date.now();
const span = OVERVIEW_RANGES['30d'].ms;

let db = await openDatabase({ dataDir });
await db.close();
const raw = new SQLite(join(dataDir, 'imagegate.sqlite'));
const log = raw.prepare(
  `insert into request_log (id, account_id, key_id, model, endpoint, operation, status, images, amount, latency_ms, created_at)
   values (?, 'acct_1', 'key_1', 'm', '/v1/images/generations', 'text-to-image', ?, ?, ?, 100, ?)`,
);
const ledger = raw.prepare(
  `insert into ledger (id, account_id, billing_transaction_id, kind, amount, charged, balance_after, created_at) values (?, 'acct_1', ?, ?, ?, ?, 0, ?)`,
);
const fill = raw.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const at = now - Math.floor((i / rows) * span);
    const ok = i % 10 !== 0;
    log.run(`req_${i}`, ok ? 200 : 400, ok ? 1 : 0, ok ? 2500 : 0, at);
    ledger.run(`led_h${i}`, `txn_${i}`, 'hold', -2500, 0, at);
    if (ok) ledger.run(`led_s${i}`, `txn_${i}`, 'settle', 0, 2500, at);
    else ledger.run(`led_r${i}`, `txn_${i}`, 'release', 2500, 0, at);
  }
});
const started = performance.now();
for (let i = 0; i < rows; i += 50_000) fill(i, Math.min(rows, i + 50_000));
raw.exec('analyze');
raw.close();
console.log(`filled ${rows} request-log rows and ${2 * rows} ledger entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);

db = await openDatabase({ dataDir });
for (const range of Object.keys(OVERVIEW_RANGES) as OverviewRange[]) {
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const o = await overview(db.kysely, range);
    times.push(performance.now() - t);
    requests = o.buckets.reduce((s, b) => s + b.requests, 0);
  }
  times.sort((a, b) => a - b);
  console.log(`range=${range}: ${requests} requests in range; median ${times[2]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms`);
}
await db.close();
rmSync(dataDir, { recursive: true, force: true });
