/**
 * IMAGEGATE_ACCOUNT_WORKERS: one account's backlog never has more than the cap of tasks running at once —
 * across instances (two gateways sharing PostgreSQL) — and another account's task still gets a worker
 * while that backlog waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../src/tasks/state.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { openaiImageModel, overlayOf } from '../support/overlays.js';

const CAP = 3;
const TASKS = 20;
const PRICE = 100;
const OVERLAY = overlayOf(openaiImageModel('slow-image', PRICE));

/** Most intervals [start, end) overlapping at any instant. */
/** How far a task's recorded start may precede the moment its lease query saw a free slot. */
const CLOCK_SLACK_MS = 50;

function maxOverlap(intervals: Array<[number, number]>): number {
  const edges = intervals
    .flatMap(
      ([s, e]) =>
        [
          [s, 1],
          [e, -1],
        ] as const,
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

describe.each(databases())('per-account task worker cap on $name', ({ name, make }) => {
  let fake: OpenAIFake;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const db = await make();
    // Workers well above the cap, so only the account cap can hold the backlog back. On PostgreSQL two
    // gateways share the queue and must keep to the cap together.
    const instances = name === 'postgres' ? 2 : 1;
    for (let i = 0; i < instances; i++) {
      gateways.push(
        await startGateway({
          overlay: OVERLAY,
          databaseUrl: db.databaseUrl,
          dataDir: db.dataDir,
          env: {
            OPENAI_API_KEY: 'sk-fake-openai',
            OPENAI_BASE_URL: `${fake.url}/v1`,
            IMAGEGATE_WORKERS: String(8 / instances),
            IMAGEGATE_ACCOUNT_WORKERS: String(CAP),
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await fake?.close();
  });

  it(`runs at most ${CAP} of one account's ${TASKS} tasks at once while another account's task gets a worker; all finish, charged once`, async () => {
    fake.knobs.latencyMs = 800;
    const gw = gateways[0]!;
    const busy = await gw.clientKey({ balance: 1_000_000 });
    const other = await gw.clientKey({ balance: 1_000_000 });
    const submit = (key: string, i: number) =>
      postJson(`${gateways[i % gateways.length]!.url}/v1/images/generations`, key, { model: 'slow-image', prompt: `task ${i}` }, { prefer: 'respond-async' });
    const busyIds: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const r = await submit(busy.key, i);
      expect(r.status).toBe(202);
      busyIds.push(r.body.id);
    }
    const otherRes = await submit(other.key, 1);
    expect(otherRes.status).toBe(202);

    // Sample the running tasks of the busy account until everything is terminal.
    const k = gw.gateway.db.kysely;
    const count = async (accountId: string, statuses: TaskStatus[]) =>
      Number(
        (
          await k
            .selectFrom('tasks')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('account_id', '=', accountId)
            .where('status', 'in', statuses)
            .executeTakeFirstOrThrow()
        ).n,
      );
    let sampledMax = 0;
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      sampledMax = Math.max(sampledMax, await count(busy.accountId, ['running']));
      if ((await count(busy.accountId, ['pending', 'running'])) + (await count(other.accountId, ['pending', 'running'])) === 0) break;
      await new Promise((r) => setTimeout(r, 40));
    }

    const rows = await k
      .selectFrom('tasks')
      .select(['id', 'account_id', 'status', 'created_at', 'started_at', 'finished_at', 'attempts', 'lease_owner'])
      .execute();
    const mine = rows.filter((r) => r.account_id === busy.accountId);
    const theirs = rows.find((r) => r.account_id === other.accountId)!;
    expect(mine.map((r) => r.status)).toEqual(Array(TASKS).fill('succeeded'));
    expect(theirs.status).toBe('succeeded');
    expect(mine.every((r) => r.attempts === 1)).toBe(true);
    // Each task ran once, from its lease to its finish: those intervals never overlap more than the cap.
    expect(sampledMax).toBeLessThanOrEqual(CAP);
    // started_at is the leaser's clock read just before its lease query runs, so under load (two gateways,
    // a busy CI machine) it can fall a few ms before the finished_at of the task whose end let it in. Starts
    // are compared 50 ms later: a real 4th concurrent task would overlap for most of its 800 ms.
    const intervals = mine.map((r): [number, number] => [Number(r.started_at), Number(r.finished_at)]);
    expect(maxOverlap(intervals.map(([s, f]) => [s + CLOCK_SLACK_MS, f]))).toBe(CAP);
    // The other account did not wait behind the backlog: no busy task still waiting when it arrived started
    // before it. (Not "before the busy account's 4th task": on a busy machine submitting the 20 tasks can
    // take longer than the first three run, and the 4th then starts before the other task even exists.)
    const startsAfterItCame = mine.map((r) => Number(r.started_at)).filter((s) => s > Number(theirs.created_at));
    expect(startsAfterItCame.length).toBeGreaterThan(0);
    // Leased in the same millisecond as a busy task counts as not waiting behind it.
    expect(Number(theirs.started_at)).toBeLessThanOrEqual(Math.min(...startsAfterItCame));
    if (gateways.length > 1) expect(new Set(mine.map((r) => r.lease_owner)).size).toBe(gateways.length);

    for (const acct of [busy, other]) {
      const ledger = await k.selectFrom('ledger').selectAll().where('account_id', '=', acct.accountId).execute();
      const balance = Number((await k.selectFrom('accounts').select('balance').where('id', '=', acct.accountId).executeTakeFirstOrThrow()).balance);
      expect(ledger.reduce((s, e) => s + Number(e.amount), 0)).toBe(balance);
      const settles = ledger.filter((e) => e.kind === 'settle');
      expect(new Set(settles.map((e) => e.billing_transaction_id)).size).toBe(settles.length);
      expect(ledger.filter((e) => e.kind === 'refund')).toHaveLength(0);
    }
    expect(await gw.balance(busy.key)).toMatchObject({ available: 1_000_000 - TASKS * PRICE, held: 0 });
    expect(await gw.balance(other.key)).toMatchObject({ available: 1_000_000 - PRICE, held: 0 });
  }, 90_000);
});
