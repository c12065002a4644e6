/**
 * The money of streamed images, on every database the gateway runs on: the hold is settled once, after the
 * completed event was delivered, and refunded exactly once when the stream fails after it began or the
 * client hangs up before its completed event. Checked in the ledger itself, not only in the balance.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { NamedEvents } from '../support/named-events.js';

describe.each(databases())('the money of a streamed image on $name', ({ make }) => {
  let fake: OpenAIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const db = await make();
    gw = await startGateway({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, env: { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: `${fake.url}/v1` } });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  function post(key: string, body: Record<string, unknown>, signal?: AbortSignal) {
    return fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse', stream: true, ...body }),
      signal,
    });
  }

  /** The ledger entries of one hold, as [kind, amount, charged]. */
  async function entries(holdId: string) {
    const rows = await gw.gateway.db.kysely.selectFrom('ledger').selectAll().where('billing_transaction_id', '=', holdId).orderBy('seq').execute();
    return rows.map((e) => [e.kind, Number(e.amount), Number(e.charged)]);
  }

  async function logRow(requestId: string) {
    await gw.gateway.requestLog.flush();
    return gw.gateway.db.kysely.selectFrom('request_log').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
  }

  it('settles the hold once, after the completed event, for what the completed event says it cost', async () => {
    const { key } = await gw.clientKey({ balance: 5_000_000 });
    const res = await post(key, { partial_images: 1, quality: 'low', size: '1024x1024' });
    const holdId = res.headers.get('x-billing-transaction-id')!;
    const all = await new NamedEvents(res).rest();
    const amount = all.at(-1)!.data.imagegate.billing.amount as number;
    await expect.poll(() => entries(holdId)).toHaveLength(2);
    const [hold, settle] = await entries(holdId);
    expect(hold![0]).toBe('hold');
    expect(settle).toEqual(['settle', -(hold![1] as number) - amount, amount]);
    expect(await gw.balance(key)).toMatchObject({ available: 5_000_000 - amount, held: 0, open_holds: 0 });
  });

  it('refunds the hold when the upstream fails after the first partial image', async () => {
    const { key } = await gw.clientKey({ balance: 5_000_000 });
    fake.streamFaultNext('error-after-partial');
    const res = await post(key, { partial_images: 2 });
    const holdId = res.headers.get('x-billing-transaction-id')!;
    const all = await new NamedEvents(res).rest();
    expect(all.map((e) => e.name)).toEqual(['image_generation.partial_image', 'error']);
    expect(all[1]!.data).toEqual({
      error: expect.objectContaining({ code: 'upstream_error', param: null, message: expect.stringContaining('server had an error') }),
    });
    // The client had seen a preview: no retry that would show it a second one.
    expect(fake.requests).toHaveLength(1);
    await expect.poll(() => entries(holdId)).toHaveLength(2);
    const [hold, refund] = await entries(holdId);
    expect(refund).toEqual(['refund', -(hold![1] as number), 0]);
    expect(await gw.balance(key)).toMatchObject({ available: 5_000_000, held: 0, open_holds: 0 });
    const row = await logRow(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ status: 200, error_code: 'upstream_error', amount: 0, images: 0 });
    expect(row.error_message).toContain('server had an error');
  });

  it('does not charge a client that hangs up before completed', async () => {
    const { key } = await gw.clientKey({ balance: 5_000_000 });
    let release!: () => void;
    fake.stream.gate = new Promise<void>((r) => (release = r));
    const ac = new AbortController();
    const res = await post(key, { partial_images: 2 }, ac.signal);
    const holdId = res.headers.get('x-billing-transaction-id')!;
    const events = new NamedEvents(res);
    expect((await events.next())!.name).toBe('image_generation.partial_image');
    expect((await gw.balance(key)).held).toBeGreaterThan(0);
    ac.abort();
    await expect.poll(async () => (await gw.balance(key)).open_holds, { timeout: 5000 }).toBe(0);
    release();
    const [hold, refund, ...more] = await entries(holdId);
    expect(refund).toEqual(['refund', -(hold![1] as number), 0]);
    expect(more).toEqual([]);
    expect(await gw.balance(key)).toMatchObject({ available: 5_000_000, held: 0 });
    const row = await logRow(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ status: 499, error_code: 'client_closed_request', amount: 0, images: 0 });
  });
});
