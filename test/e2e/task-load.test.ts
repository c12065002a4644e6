/**
 * The task figure: 1000 async tasks against an upstream answering in 2–5 s all reach a terminal state, and
 * with a worker cap of 32 no more than 32 upstream calls are ever in flight — in one process on SQLite, and
 * across two gateway processes sharing PostgreSQL (16 workers each).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';
import { ADMIN_KEY, startGateway } from '../support/gateway.js';
import { freePort, startGatewayProcess } from '../support/process.js';
import { openaiImageModel, overlayOf } from '../support/overlays.js';

const TASKS = Number(process.env.TASKS ?? 1000);
const MODEL = overlayOf(openaiImageModel('slow-image', 100));

let fake: OpenAIFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake?.close());

async function submitAll(bases: string[], key: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < TASKS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, TASKS - i) }, async (_, j) => {
        const res = await fetch(`${bases[(i + j) % bases.length]}/v1/images/generations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' },
          body: JSON.stringify({ model: 'slow-image', prompt: `task ${i + j}` }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

async function waitTerminal(count: () => Promise<number>, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let open = await count();
  while (open > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500));
    open = await count();
  }
  return open;
}

describe('1000 async tasks against a 2–5 s upstream', () => {
  it('finish on SQLite with at most 32 upstream calls in flight', async () => {
    fake.reset();
    Object.assign(fake.knobs, { latencyMs: 2000, latencyMaxMs: 5000 });
    // One account submits everything: the figure is about the worker cap, not the per-account one.
    const gw = await startGateway({
      overlay: MODEL,
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1`, IMAGEGATE_WORKERS: '32', IMAGEGATE_ACCOUNT_WORKERS: '32' },
    });
    try {
      const { key } = await gw.clientKey({ balance: 1_000_000 });
      const started = Date.now();
      await submitAll([gw.url], key);
      const open = await waitTerminal(
        async () =>
          Number(
            (
              await gw.gateway.db.kysely
                .selectFrom('tasks')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('status', 'in', ['pending', 'running'])
                .executeTakeFirstOrThrow()
            ).n,
          ),
        240_000,
      );
      expect(open).toBe(0);
      const done = await gw.gateway.db.kysely.selectFrom('tasks').select('status').execute();
      expect(done.filter((t) => t.status === 'succeeded')).toHaveLength(TASKS);
      expect(fake.maxInFlight).toBeLessThanOrEqual(32);
      expect(fake.maxInFlight).toBeGreaterThanOrEqual(30);
      console.log(`[figure] sqlite: ${TASKS} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s, max upstream in flight ${fake.maxInFlight}`);
    } finally {
      await gw.close();
    }
  }, 300_000);

  it.runIf(PG_URL)(
    'finish on PostgreSQL shared by two gateway processes with at most 32 upstream calls in flight',
    async () => {
      fake.reset();
      Object.assign(fake.knobs, { latencyMs: 2000, latencyMaxMs: 5000 });
      const dataDir = tempDir();
      const overlay = join(dataDir, 'overlay.yaml');
      writeFileSync(overlay, MODEL);
      const databaseUrl = await freshPostgres();
      const env = {
        HOST: '127.0.0.1',
        IMAGEGATE_DATA_DIR: dataDir,
        IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
        IMAGEGATE_CONFIG: overlay,
        IMAGEGATE_LOG_LEVEL: 'silent',
        IMAGEGATE_WORKERS: '16',
        // One account submits everything: the figure is about the worker cap, not the per-account one.
        IMAGEGATE_ACCOUNT_WORKERS: '32',
        DATABASE_URL: databaseUrl,
        OPENAI_API_KEY: 'sk-fake-openai',
        OPENAI_BASE_URL: `${fake.url}/v1`,
      };
      const ports = [await freePort(), await freePort()];
      const procs: ChildProcess[] = [];
      try {
        procs.push(await startGatewayProcess(env, ports[0]!));
        procs.push(await startGatewayProcess(env, ports[1]!));
        const bases = ports.map((p) => `http://127.0.0.1:${p}`);
        const admin = async (path: string, body: unknown) =>
          (await (
            await fetch(`${bases[0]}${path}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            })
          ).json()) as Record<string, string>;
        const acct = await admin('/v1/admin/accounts', { name: 'load', credit: 1_000_000 });
        const key = (await admin('/v1/admin/keys', { account_id: acct.id })).key!;
        const started = Date.now();
        await submitAll(bases, key);
        const db = await openDatabase({ databaseUrl, dataDir });
        try {
          const open = await waitTerminal(
            async () =>
              Number(
                (
                  await db.kysely
                    .selectFrom('tasks')
                    .select((eb) => eb.fn.countAll<number>().as('n'))
                    .where('status', 'in', ['pending', 'running'])
                    .executeTakeFirstOrThrow()
                ).n,
              ),
            240_000,
          );
          expect(open).toBe(0);
          const rows = await db.kysely.selectFrom('tasks').select(['status', 'lease_owner', 'attempts']).execute();
          expect(rows.filter((t) => t.status === 'succeeded')).toHaveLength(TASKS);
          const owners = new Set(rows.map((r) => r.lease_owner));
          expect(owners.size).toBe(2);
          const settles = await db.kysely.selectFrom('ledger').select('billing_transaction_id').where('kind', '=', 'settle').execute();
          expect(new Set(settles.map((s) => s.billing_transaction_id)).size).toBe(TASKS);
          expect(settles).toHaveLength(TASKS);
        } finally {
          await db.close();
        }
        expect(fake.maxInFlight).toBeLessThanOrEqual(32);
        console.log(
          `[figure] postgres, 2 processes × 16 workers: ${TASKS} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s, max upstream in flight ${fake.maxInFlight}`,
        );
      } finally {
        for (const p of procs) p.kill('SIGTERM');
      }
    },
    300_000,
  );
});
