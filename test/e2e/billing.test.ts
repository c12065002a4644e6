import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

/** A priced model served by the offline renderer, and one whose only route cannot be reached. */
const OVERLAY = `
models:
  priced-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [16x16, 32x32] }
    price: { per_image: 40000, per_image_by: { 32x32: 50000 } }
  broken-openai:
    owned_by: test
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    price: { per_image: 40000 }
`;

describe.each(databases())('billing end to end on $name', ({ make }) => {
  let gw: TestGateway;

  beforeAll(async () => {
    const db = await make();
    // The OpenAI route points at a closed port: every call fails with a connection error.
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
    });
  });
  afterAll(async () => gw?.close());

  const gen = (key: string, body: Record<string, unknown>) =>
    postJson(`${gw.url}/v1/images/generations`, key, { model: 'priced-local', prompt: 'p', size: '16x16', ...body });
  const balance = (key: string) => gw.balance(key);

  it('charges price × images, returns the billing transaction id in a header and in imagegate.billing', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const res = await gen(key, { n: 2 });
    expect(res.status).toBe(200);
    const txn = res.headers.get('x-billing-transaction-id');
    expect(txn).toMatch(/^txn_/);
    expect(res.body.imagegate.billing).toEqual({ billing_transaction_id: txn, amount: 80_000, currency: 'USD', unit: 'micro' });
    // The hold settles once the reply was delivered, moments after the client has it.
    await until(async () => (await balance(key)).held === 0);
    expect(await balance(key)).toMatchObject({ available: 920_000, held: 0, open_holds: 0 });
  });

  it('prices by size from the catalog', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const res = await gen(key, { size: '32x32' });
    expect(res.body.imagegate.billing.amount).toBe(50_000);
  });

  it('answers 402 insufficient_balance with the needed and available amounts, taking nothing', async () => {
    const { key } = await gw.clientKey({ balance: 50_000 });
    const res = await gen(key, { n: 2 });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'insufficient_balance', needed: 80_000, available: 50_000 });
    expect((await balance(key)).available).toBe(50_000);
  });

  it('refunds the whole hold when the upstream fails, answering 502 upstream_error', async () => {
    const { key } = await gw.clientKey({ balance: 200_000 });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'broken-openai', prompt: 'p', n: 2 });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('upstream_error');
    expect(res.headers.get('x-billing-transaction-id')).toMatch(/^txn_/);
    expect(await balance(key)).toMatchObject({ available: 200_000, held: 0 });
    const ledger = await gw.admin(`/v1/admin/ledger?billing_transaction_id=${res.headers.get('x-billing-transaction-id')}`);
    expect(ledger.body.data.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
      ['hold', -80_000],
      ['refund', 80_000],
    ]);
  });

  it('lets exactly 50 of 200 concurrent requests through against a balance for 50, ending at exactly 0', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 50 * 40_000 });
    const results = await Promise.all(Array.from({ length: 200 }, () => gen(key, {})));
    expect(results.filter((r) => r.status === 200)).toHaveLength(50);
    expect(results.filter((r) => r.status === 402)).toHaveLength(150);
    // A reply's hold settles once the reply was delivered: moments after the client has it.
    await until(async () => (await balance(key)).held === 0);
    expect(await balance(key)).toMatchObject({ available: 0, held: 0 });
    const ledger = await gw.admin(`/v1/admin/ledger?account_id=${accountId}`);
    expect(ledger.body.data.reduce((s: number, e: { amount: number }) => s + e.amount, 0)).toBe(0);
  });

  it('refuses a model outside the key allowlist with 403 MODEL_ACCESS_DENIED', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000, attrs: { models: ['local'] } });
    const res = await gen(key, {});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('MODEL_ACCESS_DENIED');
  });

  it('limits requests per minute with 429, Retry-After and x-ratelimit headers', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000, attrs: { rpm: 2 } });
    const a = await gen(key, {});
    const b = await gen(key, {});
    const c = await gen(key, {});
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers.get('x-ratelimit-limit')).toBe('2');
    expect(c.status).toBe(429);
    expect(c.body.error.code).toBe('rate_limit_exceeded');
    expect(Number(c.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(c.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('limits images per minute counting n', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000, attrs: { ipm: 3 } });
    expect((await gen(key, { n: 2 })).status).toBe(200);
    const over = await gen(key, { n: 2 });
    expect(over.status).toBe(429);
    expect(over.body.error.message).toContain('images per minute');
    expect((await balance(key)).available).toBe(1_000_000 - 80_000);
  });

  it('reports usage to the key owner and to the admin, and exports the ledger as CSV', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 1_000_000 });
    await gen(key, { n: 3 });
    // The request's row is written once its hold settled, moments after the reply was delivered.
    const usageOf = async () =>
      (await (await fetch(`${gw.url}/v1/usage?group_by=model`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: unknown[] };
    await until(async () => (await usageOf()).data.length > 0);
    const mine = await usageOf();
    expect(mine.data).toEqual([
      {
        model: 'priced-local',
        requests: 1,
        succeeded: 1,
        images: 3,
        spend: 120_000,
        // The offline renderer reports no tokens.
        input_text_tokens: 0,
        input_image_tokens: 0,
        output_image_tokens: 0,
        output_text_tokens: 0,
      },
    ]);
    const admin = await gw.admin(`/v1/admin/usage?account_id=${accountId}&group_by=day,model`);
    expect(admin.body.data[0]).toMatchObject({ model: 'priced-local', images: 3, spend: 120_000 });
    const csv = await gw.admin(`/v1/admin/ledger?account_id=${accountId}&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('id,account_id,key_id,billing_transaction_id,kind,amount,charged,balance_after,note,created_at');
    expect(lines.slice(1).map((l) => l.split(',')[4])).toEqual(['credit', 'hold', 'settle']);
  });

  it('credits and debits accounts through the admin API', async () => {
    const acct = await gw.admin('/v1/admin/accounts', { body: { name: 'topup' } });
    expect((await gw.admin(`/v1/admin/accounts/${acct.body.id}/credit`, { body: { amount: 5_000_000, note: 'top-up' } })).body.balance).toBe(5_000_000);
    expect((await gw.admin(`/v1/admin/accounts/${acct.body.id}/debit`, { body: { amount: 1_000_000, note: 'correction' } })).body.balance).toBe(4_000_000);
    const over = await gw.admin(`/v1/admin/accounts/${acct.body.id}/debit`, { body: { amount: 9_000_000, note: 'too much' } });
    expect(over.status).toBe(402);
    const bad = await gw.admin(`/v1/admin/accounts/${acct.body.id}/credit`, { body: { amount: 1.5, note: 'fraction' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('amount');
  });
});
