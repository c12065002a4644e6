/**
 * The money invariants of the fault suite (invariants.ts) for one gateway run as `serve --processes 2` on
 * PostgreSQL + Redis + S3: a mixed burst while one of its processes is killed (the primary replaces it, the
 * survivor refunds what the dead one held) and while the primary is told to stop (every process drains).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { FAKE_S3_CREDENTIALS, FakeS3 } from '../fakes/s3.js';
import { type RedisServer, startRedis } from '../limits/redis-server.js';
import { tempDir } from '../support/databases.js';
import { canRunPgCluster, PgCluster } from '../support/pg-cluster.js';
import { gatewayChildren, processesAnswering } from '../support/process.js';
import { pollValue } from '../support/wait.js';
import { Fleet } from './fleet.js';
import { audit, quiesce, violationCount } from './invariants.js';
import { burst, type Outcome, retryIdempotent } from './load.js';

const runnable = canRunPgCluster && existsSync(process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(runnable)('money under faults, one gateway as two processes on PostgreSQL + Redis + S3', () => {
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

  const primaryPid = () => fleet.members[0]!.child!.pid!;
  /** The port answers once the first process listens; the second starts after it. */
  const bothAnswering = () =>
    pollValue(
      () => processesAnswering(fleet.members[0]!.url),
      (seen) => seen.size === 2,
      60_000,
    );

  beforeAll(async () => {
    [pgc, redis, s3, openai] = await Promise.all([PgCluster.create(), startRedis(), new FakeS3(['faults']).start(), startOpenAIFake()]);
    databaseUrl = await pgc.createDatabase('imagegate_process_faults');
    openai.knobs.latencyMs = 150;
    openai.knobs.latencyMaxMs = 900;
    fleet = new Fleet({
      databaseUrl,
      redisUrl: redis.url,
      s3: { endpoint: s3.url, bucket: 'faults', ...FAKE_S3_CREDENTIALS },
      openaiUrl: openai.url,
      dataDir: tempDir('imagegate-process-faults-'),
      processes: 2,
    });
    await fleet.start(1);
    expect(await bothAnswering()).toEqual(new Set(['0', '1']));
    const acct = await fleet.admin<{ id: string }>('/v1/admin/accounts', { name: 'faults', credit: 1_000_000_000 });
    key = (await fleet.admin<{ key: string }>('/v1/admin/keys', { name: 'faults', account_id: acct.id })).key;
  }, 180_000);

  afterAll(async () => {
    const children = fleet?.members[0]?.child?.pid ? gatewayChildren(primaryPid()) : [];
    await fleet?.close();
    for (const pid of children) process.kill(pid, 'SIGKILL');
    await Promise.all([pgc?.destroy(), redis?.stop(), s3?.close(), openai?.close()]);
  });

  const faults = [
    {
      name: 'kill -9 of one of its processes',
      inject: async () => {
        const [victim] = gatewayChildren(primaryPid());
        process.kill(victim!, 'SIGKILL');
        // The primary starts another in its place.
        await pollValue(
          async () => gatewayChildren(primaryPid()),
          (c) => c.length === 2 && !c.includes(victim!),
          60_000,
        );
        expect(await bothAnswering()).toEqual(new Set(['0', '1']));
      },
    },
    {
      name: 'SIGTERM to the primary, then a new start',
      inject: async () => {
        const exit = await fleet.stop(0, 'SIGTERM');
        expect(exit.code, 'the primary exits 0 once every process drained').toBe(0);
        await fleet.restart(0);
        expect(await bothAnswering()).toEqual(new Set(['0', '1']));
      },
    },
  ];

  for (const fault of faults) {
    it(`keeps every money invariant through ${fault.name}`, async () => {
      const requests = 60;
      const load = burst(fleet, key, requests, 8, seq);
      seq += requests;
      await sleep(600);
      await fault.inject();
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
        `[figure] processes fault "${fault.name}": ${requests} requests (${JSON.stringify(statuses)}), holds settled ${book.settled} refunded ${book.refunded}, delivered free ${book.deliveredFree}, violations ${violationCount(book.violations)}`,
      );
      expect(book.violations).toEqual({ balanceMismatch: [], openHolds: [], settledWithoutDelivery: [], failedButCharged: [], succeededWithoutResult: [] });
      expect(
        retried.filter((r) => r.status === 0 || r.status === 409),
        JSON.stringify(retried),
      ).toEqual([]);
      // The primary itself never died: only the process that was killed did.
      expect(fleet.unexpectedExits).toEqual([]);
    }, 180_000);
  }
});
