/**
 * The ledger alone: hold and settle of `callers` concurrent callers in a loop on a fresh SQLite database,
 * CPU per pair. `node --import tsx bench/ledger-loop.ts [pairs] [callers]`. A key is set on every hold and the
 * charge is below the hold, as in a gateway request held at its dearest and settled at its price.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounts } from '../src/billing/accounts.js';
import { Hold } from '../src/billing/hold.js';
import { Ledger } from '../src/billing/ledger.js';
import { openDatabase } from '../src/store/db.js';

const pairs = Number(process.argv[2] ?? 20_000);
const callers = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'imagegate-ledger-'));
const db = await openDatabase({ dataDir: dir });
const ledger = new Ledger(db, 'USD');
const accounts = new Accounts(db, ledger);
const account = await accounts.create('loop', 1e15);
const req = { accountId: account.id, keyId: 'key_loop', requestId: 'req_loop', model: 'm', amount: 40_000, owner: 'inst_loop' };
const loop = async (n: number) => {
  for (let i = 0; i < n; i++) await new Hold(ledger, await ledger.hold(req)).settle(11_000);
};
await Promise.all(Array.from({ length: callers }, () => loop(500)));
const cpu = process.cpuUsage();
const start = performance.now();
await Promise.all(Array.from({ length: callers }, () => loop(pairs / callers)));
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    pairs,
    callers,
    'µs CPU per pair': Number(((used.user + used.system) / pairs).toFixed(1)),
    'µs wall per pair': Number((((performance.now() - start) * 1000) / pairs).toFixed(1)),
  }),
);
await db.close();
rmSync(dir, { recursive: true, force: true });
