/**
 * Money and tasks survive SIGKILL: a gateway process is killed with synchronous requests and async tasks in
 * flight; a new process on the same database finishes or refunds every one of them, exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { freePort, startGatewayProcess as startProcess, fundedKey } from '../support/process.js';

const PRICE = 1000;

describe.each(databases())('SIGKILL with work in flight on $name', ({ make }) => {
  let fake: OpenAIFake;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await fake?.close();
  });

  it('finishes or refunds every request and task after a restart, none charged twice', async () => {
    const db = await make();
    const overlay = join(db.dataDir, 'overlay.yaml');
    writeFileSync(
      overlay,
      `models:
  slow-image:
    owned_by: test
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 2 }
    price: { per_image: ${PRICE} }
providers:
  openai: { retries: 0 }
`,
    );
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      IMAGEGATE_DATA_DIR: db.dataDir,
      IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
      IMAGEGATE_CONFIG: overlay,
      IMAGEGATE_LOG_LEVEL: 'silent',
      IMAGEGATE_TASK_LEASE_MS: '1500',
      IMAGEGATE_INSTANCE_STALE_MS: '1500',
      IMAGEGATE_HOLD_SWEEP_SECONDS: '1',
      IMAGEGATE_WORKERS: '16',
      // One account holds all the tasks: let it use every worker.
      IMAGEGATE_ACCOUNT_WORKERS: '16',
      OPENAI_API_KEY: 'sk-fake-openai',
      OPENAI_BASE_URL: `${fake.url}/v1`,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    };
    const port = await freePort();
    child = await startProcess(env, port);
    const base = `http://127.0.0.1:${port}`;
    const START = 10_000_000;
    const { key, accountId } = await fundedKey(base, 'crash', START);
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'slow-image', prompt: 'p', n: 2 }),
      });

    fake.knobs.latencyMs = 60_000;
    const taskIds: string[] = [];
    for (let i = 0; i < 100; i++) taskIds.push(((await (await post({ prefer: 'respond-async' })).json()) as { id: string }).id);
    const syncCalls = Array.from({ length: 10 }, () => post({}).catch(() => undefined));
    const until = Date.now() + 20_000;
    while (fake.inFlight < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(fake.inFlight).toBeGreaterThanOrEqual(20);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    await Promise.all(syncCalls);
    fake.knobs.latencyMs = 0;
    await new Promise((r) => setTimeout(r, 1600));
    child = await startProcess(env, port);

    const status = async (id: string) =>
      ((await (await fetch(`${base}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string }).status;
    const deadline = Date.now() + 60_000;
    let statuses: string[] = [];
    while (Date.now() < deadline) {
      statuses = await Promise.all(taskIds.map(status));
      if (statuses.every((s) => ['succeeded', 'failed', 'canceled'].includes(s))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(statuses.filter((s) => !['succeeded', 'failed', 'canceled'].includes(s))).toEqual([]);
    // Let the sweep refund the killed process's synchronous holds.
    const held = async () =>
      (await (await fetch(`${base}/v1/balance`, { headers: { authorization: `Bearer ${key}` } })).json()) as { held: number; available: number };
    const sweepDeadline = Date.now() + 20_000;
    while ((await held()).held > 0 && Date.now() < sweepDeadline) await new Promise((r) => setTimeout(r, 200));

    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    const store = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    try {
      const k = store.kysely;
      const open = await k.selectFrom('holds').select('id').where('account_id', '=', accountId).where('status', '=', 'open').execute();
      expect(open).toEqual([]);
      const ledger = await k.selectFrom('ledger').selectAll().where('account_id', '=', accountId).execute();
      const balance = (await k.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow()).balance;
      expect(ledger.reduce((s, e) => s + Number(e.amount), 0)).toBe(balance);
      // Every hold is closed by exactly one entry.
      const closings = new Map<string, number>();
      for (const e of ledger)
        if (e.kind === 'settle' || e.kind === 'refund') closings.set(e.billing_transaction_id, (closings.get(e.billing_transaction_id) ?? 0) + 1);
      const holds = ledger.filter((e) => e.kind === 'hold');
      expect(holds.length).toBeGreaterThanOrEqual(100);
      for (const h of holds) expect(closings.get(h.billing_transaction_id)).toBe(1);
      const charged = ledger.reduce((s, e) => s + Number(e.charged), 0);
      const succeeded = statuses.filter((s) => s === 'succeeded').length;
      // Each succeeded task delivered 2 images; killed synchronous requests were refunded.
      expect(charged).toBe(succeeded * 2 * PRICE);
      expect(balance).toBe(START - charged);
      console.log(
        `[figure] ${db.name}: ${succeeded} tasks succeeded, ${100 - succeeded} failed/refunded, ${holds.length - 100} sync holds refunded, charged ${charged}`,
      );
    } finally {
      await store.close();
    }
  }, 180_000);
});
