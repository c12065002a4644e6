/**
 * The fault suite: two gateway processes on PostgreSQL + Redis + S3 serve mixed bursts (sync b64 and url,
 * n = 2, async, Idempotency-Key, clients that hang up) while one fault at a time is injected: kill -9,
 * SIGSTOP/SIGCONT, SIGTERM, a PostgreSQL restart, PostgreSQL backends terminated, Redis down. After each, the
 * money is audited from the database (invariants.ts), every Idempotency-Key is retried and must answer, and no
 * gateway may have died but the one that was killed. The database is a throwaway cluster of the suite's own,
 * so restarting it disturbs no other test.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_S3_CREDENTIALS, FakeS3 } from '../fakes/s3.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { type RedisServer, startRedis } from '../limits/redis-server.js';
import { tempDir } from '../support/databases.js';
import { canRunPgCluster, PgCluster } from '../support/pg-cluster.js';
import { Fleet } from './fleet.js';
import { audit, quiesce, violationCount } from './invariants.js';
import { burst, type Outcome, retryIdempotent } from './load.js';

const runnable = canRunPgCluster && existsSync(process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fault, injected while a burst is in flight; `recover` undoes it (restarts, SIGCONT, …). */
interface Fault {
  name: string;
  inject(): Promise<void>;
  recover(): Promise<void>;
}

describe.runIf(runnable)('money and availability under faults, two gateways on PostgreSQL + Redis + S3', () => {
  let pgc: PgCluster;
  let databaseUrl: string;
  let redis: RedisServer;
  let s3: FakeS3;
  let openai: OpenAIFake;
  let fleet: Fleet;
  let key: string;
  const outcomes: Outcome[] = [];
  const retriedHolds: string[] = [];
  let seq = 0;

  beforeAll(async () => {
    [pgc, redis, s3, openai] = await Promise.all([PgCluster.create(), startRedis(), new FakeS3(['faults']).start(), startOpenAIFake()]);
    databaseUrl = await pgc.createDatabase('imagegate_faults');
    openai.knobs.latencyMs = 150;
    openai.knobs.latencyMaxMs = 900;
    const dataDir = tempDir('imagegate-faults-');
    console.log(`[fault suite] gateway logs: ${dataDir}/gateway-{0,1}.log`);
    fleet = new Fleet({
      databaseUrl,
      redisUrl: redis.url,
      s3: { endpoint: s3.url, bucket: 'faults', ...FAKE_S3_CREDENTIALS },
      openaiUrl: openai.url,
      dataDir,
    });
    await fleet.start(2);
    const acct = await fleet.admin<{ id: string }>('/v1/admin/accounts', { name: 'faults', credit: 1_000_000_000 });
    key = (await fleet.admin<{ key: string }>('/v1/admin/keys', { name: 'faults', account_id: acct.id })).key;
  }, 120_000);

  afterAll(async () => {
    await fleet?.close();
    await Promise.all([pgc?.destroy(), redis?.stop(), s3?.close(), openai?.close()]);
  });

  const faults: Fault[] = [
    {
      name: 'kill -9',
      inject: async () => void (await fleet.stop(1, 'SIGKILL')),
      recover: () => fleet.restart(1),
    },
    {
      name: 'SIGSTOP/SIGCONT',
      inject: async () => {
        fleet.signal(1, 'SIGSTOP');
        // Longer than the lease and the liveness window: the other instance takes its tasks and holds over.
        await sleep(3000);
      },
      recover: async () => fleet.signal(1, 'SIGCONT'),
    },
    {
      name: 'SIGTERM',
      inject: async () => {
        const exit = await fleet.stop(1, 'SIGTERM');
        expect(exit.code, 'a gateway stopped with SIGTERM exits 0 after draining').toBe(0);
      },
      recover: () => fleet.restart(1),
    },
    {
      name: 'PostgreSQL restart',
      inject: () => pgc.restart(),
      recover: async () => undefined,
    },
    {
      name: 'PostgreSQL backends terminated',
      inject: async () => void (await pgc.terminateBackends()),
      recover: async () => undefined,
    },
    {
      name: 'Redis down',
      inject: async () => {
        await redis.down();
        await sleep(1500);
      },
      recover: () => redis.up(),
    },
  ];

  // Each fault kind once per round (IMAGEGATE_FAULT_ROUNDS, default 1 so the suite stays quick in CI).
  const rounds = Math.max(1, Number(process.env.IMAGEGATE_FAULT_ROUNDS ?? 1));
  for (let round = 1; round <= rounds; round++)
    for (const fault of faults) {
      it(`keeps every invariant through ${fault.name}${rounds > 1 ? ` (round ${round})` : ''}`, async () => {
        const requests = 60;
        const load = burst(fleet, key, requests, 8, seq);
        seq += requests;
        await sleep(600);
        await fault.inject();
        await fault.recover();
        const got = await load;
        outcomes.push(...got);
        await quiesce(databaseUrl, 30_000);
        const retried = await retryIdempotent(fleet, key, got);
        retriedHolds.push(...retried.flatMap((r) => (r.hold ? [r.hold] : [])));
        await quiesce(databaseUrl, 30_000);
        const book = await audit(databaseUrl, outcomes, retriedHolds);
        const statuses: Record<string, number> = {};
        for (const o of got) statuses[String(o.status)] = (statuses[String(o.status)] ?? 0) + 1;
        console.log(
          `[figure] fault "${fault.name}" round ${round}: ${requests} requests (${JSON.stringify(statuses)}), tasks ${JSON.stringify(book.tasks)}, holds settled ${book.settled} refunded ${book.refunded}, delivered free ${book.deliveredFree}, dropped by hanging-up clients ${book.droppedByClient}, violations ${violationCount(book.violations)}`,
        );
        expect(book.violations).toEqual({ balanceMismatch: [], openHolds: [], settledWithoutDelivery: [], failedButCharged: [], succeededWithoutResult: [] });
        // Every Idempotency-Key answers after the fault: with the stored reply or by running; never "still running".
        expect(
          retried.filter((r) => r.status === 0 || r.status === 409),
          JSON.stringify(retried),
        ).toEqual([]);
        expect(fleet.unexpectedExits).toEqual([]);
        // The fleet serves again: both members answer a request.
        for (const m of fleet.live()) {
          const res = await fetch(`${m.url}/v1/images/generations`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'fault-image', prompt: 'after the fault', response_format: 'url' }),
          });
          expect(res.status, `member ${m.index} after ${fault.name}`).toBe(200);
          const body = (await res.json()) as { imagegate: { billing: { billing_transaction_id: string } } };
          retriedHolds.push(body.imagegate.billing.billing_transaction_id);
        }
      }, 120_000);
    }
});
