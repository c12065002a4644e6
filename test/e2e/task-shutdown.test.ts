/**
 * A gateway that shuts down hands back the tasks it leased but had not started (waiting for a provider
 * slot): another instance runs them at once, not when their lease would have run out, and each is
 * generated and charged once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases, type TestDatabase } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue } from '../support/wait.js';

const PRICE = 1000;
const LATENCY_MS = 1500;
const OVERLAY = `
models:
  one-at-a-time:
    owned_by: test
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    price: { per_image: ${PRICE} }
    timeout_ms: 60000
providers:
  openai: { max_concurrency: 1, retries: 0 }
`;

describe.each(databases())('task hand-back at shutdown on $name', ({ make }) => {
  let fake: OpenAIFake;
  let db: TestDatabase;
  let gw: TestGateway | undefined;

  // A lease far longer than the test: a task only moves on in time if it was handed back.
  const start = () =>
    startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1`, IMAGEGATE_TASK_LEASE_MS: '120000' },
    });

  beforeAll(async () => {
    fake = await startOpenAIFake();
    db = await make();
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });

  it('hands back the leased tasks it has not started, and another instance runs each of them once at once', async () => {
    gw = await start();
    const { key, accountId } = await gw.clientKey({ balance: 10 * PRICE });
    fake.knobs.latencyMs = LATENCY_MS;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'one-at-a-time', prompt: 'p' }, { prefer: 'respond-async' });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const first = gw;
    const kysely = () => gw!.gateway.db.kysely;
    // All three leased here: one calls the upstream, two wait for the provider's only slot.
    await pollValue(
      () => kysely().selectFrom('tasks').select('id').where('account_id', '=', accountId).where('status', '=', 'running').execute(),
      (r) => r.length === 3,
    );
    expect(fake.inFlight).toBe(1);
    const instance = first.gateway.instanceId;
    await first.close();
    gw = undefined;

    gw = await start();
    const t0 = Date.now();
    const tasks = async () => kysely().selectFrom('tasks').selectAll().where('account_id', '=', accountId).execute();
    const done = await pollValue(tasks, (rows) => rows.every((r) => r.status === 'succeeded'), 15_000);
    expect(done.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Two tasks ran on the new instance, one after the other, long before a 120 s lease could run out.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(done.filter((r) => r.lease_owner !== instance)).toHaveLength(2);
    expect(fake.requestsTo('/v1/images/generations')).toHaveLength(3);
    const ledger = await kysely().selectFrom('ledger').select(['kind', 'charged']).where('account_id', '=', accountId).execute();
    expect(ledger.filter((e) => e.kind === 'settle')).toHaveLength(3);
    expect(ledger.filter((e) => e.kind === 'refund')).toHaveLength(0);
    expect(await gw.balance(key)).toMatchObject({ available: 7 * PRICE, held: 0 });
  }, 60_000);
});
