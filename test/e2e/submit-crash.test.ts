/**
 * A gateway process killed (SIGKILL) in the middle of a burst of async submits leaves no hold without its
 * task: the hold and the task row are one transaction. Measured over several kills, then the restarted
 * gateway closes every hold exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { overlayOf, openaiImageModel } from '../support/overlays.js';
import { freePort, processEnv, startGatewayProcess, fundedKey } from '../support/process.js';

const PRICE = 1000;
const KILLS = 3;

describe.each(databases())('SIGKILL during bursts of async submits on $name', ({ make }) => {
  let fake: OpenAIFake;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await fake?.close();
  });

  it('refunds the hold when the process dies between hold and task row: none is left without its task', async () => {
    const db = await make();
    const env = processEnv({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      overlay: overlayOf(openaiImageModel('burst-image', PRICE)),
      openaiUrl: fake.url,
      extra: { IMAGEGATE_TASK_LEASE_MS: '1500', IMAGEGATE_INSTANCE_STALE_MS: '1500', IMAGEGATE_HOLD_SWEEP_SECONDS: '1', IMAGEGATE_WORKERS: '4' },
    });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await startGatewayProcess(env, port);
    const START = 100_000_000;
    const { key, accountId } = await fundedKey(base, 'burst', START);
    let accepted = 0;
    const submit = () =>
      fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ model: 'burst-image', prompt: 'p' }),
      }).then(
        (r) => void (r.status === 202 && accepted++),
        () => undefined,
      );

    // The upstream holds every call: holds and tasks pile up, and nothing finishes before the kill.
    fake.knobs.latencyMs = 60_000;
    const orphansPerKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      accepted = 0;
      const burst = Array.from({ length: 150 }, submit);
      // Killed once some submits are answered, with the rest of the burst in flight.
      const deadline = Date.now() + 20_000;
      while (accepted < 10 + kill * 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      await Promise.all(burst);
      // Straight after the kill, before any sweep: holds owned by a task whose row does not exist.
      const store = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
      try {
        const rows = await sql<{
          n: number;
        }>`select count(*) as n from holds h where h.owner like 'task:%' and not exists (select 1 from tasks t where t.id = substr(h.owner, 6))`.execute(
          store.kysely,
        );
        orphansPerKill.push(Number(rows.rows[0]!.n));
      } finally {
        await store.close();
      }
      child = await startGatewayProcess(env, port);
    }
    expect(orphansPerKill).toEqual(Array(KILLS).fill(0));

    // Everything queued finishes once, and every hold is closed once.
    fake.knobs.latencyMs = 0;
    const open = async () => {
      const r = await fetch(`${base}/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
      return ((await r.json()) as { held: number }).held;
    };
    const until = Date.now() + 60_000;
    while ((await open()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    const store = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    try {
      const k = store.kysely;
      expect(await k.selectFrom('holds').select('id').where('account_id', '=', accountId).where('status', '=', 'open').execute()).toEqual([]);
      const ledger = await k.selectFrom('ledger').selectAll().where('account_id', '=', accountId).execute();
      const balance = (await k.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow()).balance;
      expect(ledger.reduce((s, e) => s + Number(e.amount), 0)).toBe(balance);
      const closings = new Map<string, number>();
      for (const e of ledger)
        if (e.kind === 'settle' || e.kind === 'refund') closings.set(e.billing_transaction_id, (closings.get(e.billing_transaction_id) ?? 0) + 1);
      const holds = ledger.filter((e) => e.kind === 'hold');
      for (const h of holds) expect(closings.get(h.billing_transaction_id)).toBe(1);
      const tasks = await k.selectFrom('tasks').select(['status', 'hold_id']).where('account_id', '=', accountId).execute();
      expect(tasks.length).toBe(holds.length);
      console.log(
        `[figure] ${db.name}: ${KILLS} kills mid-burst, ${holds.length} holds and ${tasks.length} tasks written, holds without a task after each kill: ${orphansPerKill.join(', ')}`,
      );
    } finally {
      await store.close();
    }
  }, 240_000);
});
