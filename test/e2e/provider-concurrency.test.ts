/**
 * The catalog's per-provider `max_concurrency`, enforced per process on every upstream call: synchronous
 * requests and task workers alike never put more calls in flight at the provider than allowed; a request
 * that cannot get a slot before its deadline fails like an upstream timeout, refunded, without reaching it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue as until } from '../support/wait.js';

const PRICE = 1000;
const OVERLAY = `
models:
  capped-image:
    owned_by: test
    timeout_ms: 20000
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    price: { per_image: ${PRICE} }
  capped-quick:
    owned_by: test
    timeout_ms: 600
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    price: { per_image: ${PRICE} }
providers:
  openai: { max_concurrency: 2, retries: 0, breaker_failures: 1000 }
`;

describe('per-provider max_concurrency', () => {
  let fake: OpenAIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    gw = await startGateway({
      overlay: OVERLAY,
      // Plenty of workers and no account cap: only the provider's cap can hold the tasks back.
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1`, IMAGEGATE_WORKERS: '32', IMAGEGATE_ACCOUNT_WORKERS: '0' },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const gen = (key: string, model: string, headers: Record<string, string> = {}) =>
    postJson(`${gw.url}/v1/images/generations`, key, { model, prompt: 'p' }, headers);

  it('keeps 10 concurrent synchronous requests to at most 2 upstream calls in flight, and all succeed', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    fake.knobs.latencyMs = 300;
    const res = await Promise.all(Array.from({ length: 10 }, () => gen(key, 'capped-image')));
    expect(res.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(fake.requests).toHaveLength(10);
    expect(fake.maxInFlight).toBe(2);
    expect(await gw.balance(key)).toMatchObject({ available: 1_000_000 - 10 * PRICE, held: 0 });
  });

  it('keeps 12 async tasks (32 workers) to at most 2 upstream calls in flight, and all succeed', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    fake.knobs.latencyMs = 300;
    const ids = (await Promise.all(Array.from({ length: 12 }, () => gen(key, 'capped-image', { prefer: 'respond-async' })))).map((r) => {
      expect(r.status).toBe(202);
      return r.body.id as string;
    });
    const status = async () =>
      Promise.all(
        ids.map(
          async (id) =>
            ((await (await fetch(`${gw.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string }).status,
        ),
      );
    const final = await until(status, (s) => s.every((x) => x === 'succeeded' || x === 'failed'));
    expect(final).toEqual(Array(12).fill('succeeded'));
    expect(fake.maxInFlight).toBe(2);
    expect(await gw.balance(key)).toMatchObject({ available: 1_000_000 - 12 * PRICE, held: 0 });
  });

  it('fails a request that gets no slot before its deadline like an upstream timeout: 502, refunded, upstream never called', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 1_000_000 });
    fake.knobs.latencyMs = 1500;
    // Two long calls take both slots for 1.5 s; the quick model's 600 ms run out while waiting.
    const long = [gen(key, 'capped-image'), gen(key, 'capped-image')];
    await until(
      async () => fake.inFlight,
      (n) => n === 2,
      5000,
    );
    const started = Date.now();
    const waited = await gen(key, 'capped-quick');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(waited.status).toBe(502);
    expect(waited.body.error).toMatchObject({ code: 'upstream_error', type: 'upstream_error', param: null, reason: 'timeout' });
    expect(waited.body.error.message).toMatch(/all 2 concurrent calls/);
    expect((await Promise.all(long)).map((r) => r.status)).toEqual([200, 200]);
    expect(fake.requests).toHaveLength(2);
    const ledger = await gw.gateway.db.kysely.selectFrom('ledger').selectAll().where('account_id', '=', accountId).execute();
    const txn = waited.headers.get('x-billing-transaction-id');
    expect(
      ledger
        .filter((e) => e.billing_transaction_id === txn)
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['hold', 'refund']);
    expect(await gw.balance(key)).toMatchObject({ available: 1_000_000 - 2 * PRICE, held: 0 });
  });
});
