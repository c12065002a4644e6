/**
 * SIGTERM is a routine deploy, not a crash: the process stops taking connections, lets the requests and tasks
 * in flight finish within IMAGEGATE_SHUTDOWN_GRACE_MS, and exits 0. What the grace period cannot cover is cut
 * and refunded, never charged.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { tempDir } from '../support/databases.js';
import { overlayOf, openaiImageModel } from '../support/overlays.js';
import { freePort, processEnv, startGatewayProcess, fundedKey } from '../support/process.js';

const PRICE = 1000;

describe('graceful stop on SIGTERM', () => {
  let fake: OpenAIFake;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    fake.reset();
  });
  afterAll(() => fake.close());

  async function start(dataDir: string, graceMs: number) {
    const env = processEnv({
      dataDir,
      overlay: overlayOf(openaiImageModel('slow-image', PRICE)),
      openaiUrl: fake.url,
      extra: { IMAGEGATE_SHUTDOWN_GRACE_MS: String(graceMs) },
    });
    const port = await freePort();
    child = await startGatewayProcess(env, port);
    const base = `http://127.0.0.1:${port}`;
    const { key, accountId } = await fundedKey(base, 'drain', 1_000_000);
    const generate = (headers: Record<string, string> = {}) =>
      fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'slow-image', prompt: 'a lighthouse', response_format: 'b64_json' }),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { id?: string; data?: Array<{ b64_json: string }>; imagegate?: { billing?: { amount: number } } },
      }));
    return { base, key, accountId, generate, port };
  }

  const exited = (c: ChildProcess) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));

  async function ledgerOf(dataDir: string, accountId: string) {
    const db = await openDatabase({ dataDir });
    try {
      const holds = await db.kysely.selectFrom('holds').select(['id', 'status', 'charged']).where('account_id', '=', accountId).execute();
      const tasks = await db.kysely.selectFrom('tasks').select(['id', 'status']).where('account_id', '=', accountId).execute();
      const balance = (await db.kysely.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow()).balance;
      return { holds, tasks, balance };
    } finally {
      await db.close();
    }
  }

  it('answers every request and finishes every accepted task that fits in the grace period, then exits 0', async () => {
    const dataDir = tempDir();
    const gw = await start(dataDir, 15_000);
    fake.knobs.latencyMs = 1500;
    const sync = Array.from({ length: 6 }, () => gw.generate());
    const submitted = await Promise.all(Array.from({ length: 3 }, () => gw.generate({ prefer: 'respond-async' })));
    expect(submitted.map((s) => s.status)).toEqual([202, 202, 202]);
    const until = Date.now() + 10_000;
    while (fake.inFlight < 9 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(fake.inFlight).toBe(9);

    const exit = exited(child!);
    child!.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // No new connections once draining.
    await expect(fetch(`${gw.base}/healthz`)).rejects.toThrow();
    const replies = await Promise.all(sync);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const r of replies) expect(r.body.data?.[0]?.b64_json.length).toBeGreaterThan(100);
    expect(await exit).toBe(0);
    child = undefined;

    const after = await ledgerOf(dataDir, gw.accountId);
    expect(after.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(after.holds.filter((h) => h.status !== 'settled')).toEqual([]);
    expect(after.balance).toBe(1_000_000 - 9 * PRICE);
  }, 60_000);

  it('cuts what outlives the grace period and charges nothing for it', async () => {
    const dataDir = tempDir();
    const gw = await start(dataDir, 500);
    fake.knobs.latencyMs = 4000;
    const sync = Array.from({ length: 4 }, () => gw.generate().catch(() => ({ status: 0, body: {} })));
    const until = Date.now() + 10_000;
    while (fake.inFlight < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const exit = exited(child!);
    child!.kill('SIGTERM');
    const replies = await Promise.all(sync);
    expect(replies.filter((r) => r.status === 200)).toEqual([]);
    expect(await exit).toBe(0);
    child = undefined;
    // The next start sweeps whatever the cut left open (SQLite serves one process: every other owner is gone).
    fake.knobs.latencyMs = 0;
    const again = await start(dataDir, 500);
    child!.kill('SIGTERM');
    await exited(child!);
    child = undefined;
    const after = await ledgerOf(dataDir, gw.accountId);
    expect(after.holds.length).toBe(4);
    expect(after.holds.filter((h) => h.status === 'settled')).toEqual([]);
    expect(after.balance).toBe(1_000_000);
    expect(again.accountId).not.toBe(gw.accountId);
  }, 60_000);
});
