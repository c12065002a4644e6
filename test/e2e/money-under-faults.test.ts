/**
 * The money figure under faults: an upstream that fails 30 % of calls and returns fewer images than asked on
 * others. After 500 requests every hold is closed and the charge is exactly price × images delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

const PRICE = 7_000;

describe.each(databases())('money under upstream faults on $name', ({ make }) => {
  let fake: OpenAIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const db = await make();
    gw = await startGateway({
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` },
      overlay: `
models:
  flaky-image:
    owned_by: test
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 2 }
    price: { per_image: ${PRICE} }
providers:
  openai: { retries: 0, breaker_failures: 1000000 }
`,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });

  it('closes every hold and charges exactly price × images delivered after 500 requests', async () => {
    const START = 100_000_000;
    const { key, accountId } = await gw.clientKey({ balance: START });
    fake.knobs.failRate = 0.3;
    fake.fewerRate = 0.3;
    let delivered = 0;
    let ok = 0;
    let failed = 0;
    for (let batch = 0; batch < 25; batch++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => postJson(`${gw.url}/v1/images/generations`, key, { model: 'flaky-image', prompt: 'p', n: 2 })),
      );
      for (const r of results) {
        if (r.status === 200) {
          ok++;
          delivered += r.body.data.length;
          expect(r.body.imagegate.billing.amount).toBe(PRICE * r.body.data.length);
        } else {
          failed++;
          // The whole error in the failure message: a stray internal_error here was seen once in CI (PostgreSQL).
          expect(r.body.error.code, JSON.stringify(r.body.error)).toBe('upstream_error');
        }
      }
    }
    expect(ok + failed).toBe(500);
    expect(failed).toBeGreaterThan(50);
    // A reply's hold settles once the reply was delivered, moments after the client has it.
    await until(async () => (await gw.balance(key)).open_holds === 0);
    const ledger = (await gw.admin(`/v1/admin/ledger?account_id=${accountId}`)).body.data as Array<{
      kind: string;
      amount: number;
      charged: number;
      billing_transaction_id: string;
    }>;
    const holds = ledger.filter((e) => e.kind === 'hold');
    const closes = ledger.filter((e) => e.kind === 'settle' || e.kind === 'refund');
    expect(holds).toHaveLength(500);
    expect(new Set(closes.map((e) => e.billing_transaction_id)).size).toBe(500);
    expect(closes).toHaveLength(500);
    const charged = ledger.reduce((s, e) => s + e.charged, 0);
    expect(charged).toBe(PRICE * delivered);
    const balance = await gw.balance(key);
    expect(balance).toMatchObject({ available: START - charged, held: 0, open_holds: 0 });
    console.log(`[figure] 500 requests: ${ok} ok (${delivered} images), ${failed} failed; charged ${charged} = ${PRICE} × ${delivered}`);
  }, 120_000);
});
