/**
 * A page of the console's request log at a million rows: fills a temp SQLite database with 1 M request-log
 * rows (30 days, 20 accounts, 200 keys, 6 models, a mix of statuses; nine rows in ten are the console's own admin
 * calls, one in ten client traffic), starts a gateway on it, and times
 * GET /v1/admin/requests for each filter, first page and a page deep behind a cursor, with the query plan
 * SQLite chose. `node --import tsx bench/request-log-search.ts [rows]`
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createGateway } from '../src/gateway.js';
import { openDatabase } from '../src/store/db.js';
import { median } from './gateway.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const ADMIN_KEY = 'sk-ig-bench-admin-key-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-bench-'));

// Migrate through the gateway's own code, then fill with plain inserts in one transaction.
await (await openDatabase({ dataDir })).close();
const sqlite = new Database(join(dataDir, 'imagegate.sqlite'));
const insert = sqlite.prepare(
  `insert into request_log (id, traffic, account_id, key_id, model, endpoint, operation, request_shape, status, error_code, upstream_request_id,
   route, images, amount, billing_transaction_id, latency_ms, created_at) values (?, ?, ?, ?, ?, ?, 'text-to-image',
   '{"model":"m","n":1}', ?, ?, null, 'local', ?, ?, null, ?, ?)`,
);
const models = ['gpt-image-1', 'dall-e-3', 'gemini-2.5-flash-image', 'wan2.5-t2i', 'seedream-4', 'local'];
const outcomes: Array<[number, string | null]> = [
  ...Array<[number, null]>(90).fill([200, null]),
  ...Array<[number, string]>(6).fill([400, 'invalid_request']),
  [402, 'insufficient_balance'],
  [429, 'rate_limit_exceeded'],
  [502, 'upstream_error'],
  [499, 'client_closed_request'],
];
const start = Date.now() - 30 * 86_400_000;
const step = (30 * 86_400_000) / ROWS;
const t0 = performance.now();
sqlite.transaction(() => {
  for (let i = 0; i < ROWS; i++) {
    const [status, code] = outcomes[i % outcomes.length]!;
    const key = i % 200;
    const at = Math.floor(start + i * step);
    const client = i % 10 === 0;
    insert.run(
      `req_${at.toString(36).padStart(9, '0')}${i.toString(36).padStart(6, '0')}`,
      client ? 'client' : 'admin',
      `acct_${key % 20}`,
      `key_${key}`,
      models[i % models.length],
      client ? '/v1/images/generations' : '/v1/admin/requests',
      status,
      code,
      status === 200 ? 1 : 0,
      status === 200 ? 40_000 : 0,
      200 + (i % 5000),
      at,
    );
  }
})();
sqlite.exec('ANALYZE');
console.log(`inserted ${ROWS} rows in ${Math.round(performance.now() - t0)} ms`);

const filters: Record<string, string> = {
  none: '',
  status: 'status=502',
  error_code: 'error_code=rate_limit_exceeded',
  model: 'model=seedream-4',
  key_id: 'key_id=key_17',
  account_id: 'account_id=acct_3',
  'time range': `from=${Math.floor((start + 10 * 86_400_000) / 1000)}&to=${Math.floor((start + 11 * 86_400_000) / 1000)}`,
  'status + model': 'status=402&model=dall-e-3',
  'client traffic': 'traffic=client',
  'admin traffic': 'traffic=admin',
};

const gateway = await createGateway(
  loadConfig({ HOST: '127.0.0.1', PORT: '0', IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_ADMIN_KEY: ADMIN_KEY, IMAGEGATE_LOG_LEVEL: 'silent' }),
  { logger: pino({ level: 'silent' }) },
);
const url = (await gateway.listen()).replace('localhost', '127.0.0.1');
const get = async (q: string) => {
  const t = performance.now();
  const res = await fetch(`${url}/v1/admin/requests?limit=50&${q}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const body = (await res.json()) as { data: unknown[]; last_id: string | null };
  if (res.status !== 200) throw new Error(`${q}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
};

console.log('filter            first page  page 20    rows  plan');
for (const [name, q] of Object.entries(filters)) {
  const firsts: number[] = [];
  for (let i = 0; i < 5; i++) firsts.push((await get(q)).ms);
  // Twenty pages in through the cursor.
  let cursor = (await get(q)).body.last_id;
  for (let i = 0; i < 18 && cursor; i++) cursor = (await get(`${q}&after=${cursor}`)).body.last_id;
  const deep = cursor ? await get(`${q}&after=${cursor}`) : undefined;
  const where = Object.keys(Object.fromEntries(new URLSearchParams(q))).filter((k) => k !== 'from' && k !== 'to');
  const plan = sqlite
    .prepare(
      `explain query plan select * from request_log ${where.length ? `where ${where.map((k) => `${k} = ?`).join(' and ')}` : ''} ${where.length ? 'and' : 'where'} (created_at, id) < (?, ?) order by created_at desc, id desc limit 51`,
    )
    .all(...where.map((k) => new URLSearchParams(q).get(k)), Date.now(), 'req_')
    .map((r) => (r as { detail: string }).detail)
    .join('; ');
  console.log(
    `${name.padEnd(17)} ${median(firsts).toFixed(1).padStart(7)} ms ${deep ? `${deep.ms.toFixed(1).padStart(6)} ms` : '     n/a'} ${String((await get(q)).body.data.length).padStart(6)}  ${plan}`,
  );
}
await gateway.close();
sqlite.close();
