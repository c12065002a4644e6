/**
 * GPT Image models priced by tokens, end to end through the fake OpenAI upstream (which reports OpenAI's
 * real token counts): the hold is the most the request can take, the charge is the usage reported, and the
 * request log and usage reports carry the tokens.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

/** Micro-units of `tokens` at a rate in micro-units per million, rounded up. */
const cost = (perMillion: number, tokens: number) => Math.ceil((perMillion * tokens) / 1_000_000);

// gpt-image-1 at OpenAI's rates: $5/M text in, $10/M image in, $40/M image out.
const TEXT = 5_000_000;
const IMAGE_IN = 10_000_000;
const IMAGE_OUT = 40_000_000;

interface LedgerRow {
  kind: string;
  amount: number;
  charged: number;
  billing_transaction_id: string | null;
}

describe.each(databases())('token prices through the OpenAI upstream on $name', ({ make }) => {
  let fake: OpenAIFake;
  let gw: TestGateway;
  let key: string;
  let accountId: string;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const db = await make();
    gw = await startGateway({
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` },
    });
    ({ key, accountId } = await gw.clientKey({ balance: 10_000_000 }));
    client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  /** The hold and the settled charge of a billing transaction, from the ledger. */
  async function holdAndCharge(txn: string): Promise<{ held: number; charged: number }> {
    await until(async () => (await gw.balance(key)).held === 0);
    const rows = (await gw.admin(`/v1/admin/ledger?account_id=${accountId}&billing_transaction_id=${txn}`)).body.data as LedgerRow[];
    const hold = rows.find((r) => r.kind === 'hold');
    const settle = rows.find((r) => r.kind === 'settle');
    return { held: -hold!.amount, charged: settle!.charged };
  }

  it('holds an edit of several images at their tiles and high fidelity, and charges the usage OpenAI reports', async () => {
    const square = await toFile(await makeImage(1024, 1024), 'a.png', { type: 'image/png' });
    const wide = await toFile(await makeImage(1536, 1024), 'b.png', { type: 'image/png' });
    const res = await client.images
      .edit({ model: 'gpt-image-1', prompt: 'a red fox', image: [square, wide], quality: 'medium', size: '1024x1024', input_fidelity: 'high' })
      .withResponse();
    expect(res.data.data).toHaveLength(1);
    const usage = res.data.usage!;
    // The fake reports OpenAI's figures: one tile (194) and two tiles (323) plus the high-fidelity extras.
    expect(usage.input_tokens_details.image_tokens).toBe(194 + 4160 + 323 + 6240);
    expect(usage.output_tokens).toBe(1056);
    const txn = res.response.headers.get('x-billing-transaction-id')!;
    const { held, charged } = await holdAndCharge(txn);
    // Held: the prompt's 9 bytes + 16 framing + 32 per image as text, both images' tokens, medium 1024x1024 out.
    expect(held).toBe(cost(TEXT, 9 + 16 + 2 * 32) + cost(IMAGE_IN, 194 + 4160 + 323 + 6240) + cost(IMAGE_OUT, 1056));
    expect(charged).toBe(cost(TEXT, usage.input_tokens_details.text_tokens) + cost(IMAGE_IN, usage.input_tokens_details.image_tokens) + cost(IMAGE_OUT, 1056));
    expect(charged).toBeLessThanOrEqual(held);
    // The request's row keeps the tokens reported.
    const requestId = res.response.headers.get('x-request-id')!;
    await until(async () => (await gw.admin(`/v1/admin/requests/${requestId}`)).status === 200);
    expect((await gw.admin(`/v1/admin/requests/${requestId}`)).body).toMatchObject({
      amount: charged,
      input_text_tokens: usage.input_tokens_details.text_tokens,
      input_image_tokens: usage.input_tokens_details.image_tokens,
      output_image_tokens: 1056,
      output_text_tokens: 0,
    });
  });

  it('charges a short delivery (n=3, 2 delivered) on the usage reported for the two', async () => {
    fake.fewerNext = 1;
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a red fox', n: 3, quality: 'high', size: '1024x1536' }).withResponse();
    expect(res.data.data).toHaveLength(2);
    expect(res.data.usage!.output_tokens).toBe(2 * 6240);
    const { held, charged } = await holdAndCharge(res.response.headers.get('x-billing-transaction-id')!);
    expect(held).toBe(cost(TEXT, 9 + 16) + cost(IMAGE_OUT, 3 * 6240));
    expect(charged).toBe(cost(TEXT, res.data.usage!.input_tokens) + cost(IMAGE_OUT, 2 * 6240));
  });

  it('holds auto quality and size at the dearest and charges what was made', async () => {
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a red fox', quality: 'auto', size: 'auto' }).withResponse();
    // The fake makes a medium 1024x1024 image for auto.
    expect(res.data.usage!.output_tokens).toBe(1056);
    const { held, charged } = await holdAndCharge(res.response.headers.get('x-billing-transaction-id')!);
    expect(held).toBe(cost(TEXT, 9 + 16) + cost(IMAGE_OUT, 6240));
    expect(charged).toBe(cost(TEXT, res.data.usage!.input_tokens) + cost(IMAGE_OUT, 1056));
  });

  it("shows the token price table in the model's public contract", async () => {
    const res = await fetch(`${gw.url}/v1/models/gpt-image-1`, { headers: { authorization: `Bearer ${key}` } });
    const price = ((await res.json()) as { imagegate: { public_contract: { price: Record<string, unknown> } } }).imagegate.public_contract.price;
    expect(price).toMatchObject({
      currency: 'USD',
      unit: 'micro',
      basis: 'tokens',
      per_million_tokens: { input_text: TEXT, input_image: IMAGE_IN, output_image: IMAGE_OUT },
      tokens: {
        output_image: { 'low/1024x1024': 272, 'medium/1536x1024': 1568, 'high/1024x1536': 6240 },
        partial_image: 100,
        input_image: { tiles: { fit_within: 2048, short_side: 512, tile: 512, base: 65, per_tile: 129 }, high_fidelity: { square: 4160, other: 6240 } },
      },
    });
    const dalle = await fetch(`${gw.url}/v1/models/dall-e-3`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await dalle.json()) as { imagegate: { public_contract: { price: Record<string, unknown> } } }).imagegate.public_contract.price).toMatchObject({
      basis: 'image',
      per_image: 120000,
    });
  });

  it('reports the tokens per group in /v1/usage and the admin usage', async () => {
    const figures = async () =>
      (await (await fetch(`${gw.url}/v1/usage?group_by=model`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        data: Array<Record<string, number | string>>;
      };
    await until(async () => Number((await figures()).data.find((r) => r.model === 'gpt-image-1')?.requests ?? 0) >= 3);
    const row = (await figures()).data.find((r) => r.model === 'gpt-image-1')!;
    expect(row).toMatchObject({
      requests: 3,
      input_image_tokens: 194 + 4160 + 323 + 6240,
      output_image_tokens: 1056 + 2 * 6240 + 1056,
      output_text_tokens: 0,
    });
    expect(row.input_text_tokens).toBeGreaterThan(0);
    const admin = (await gw.admin(`/v1/admin/usage?account_id=${accountId}&group_by=model`)).body.data as Array<Record<string, unknown>>;
    expect(admin.find((r) => r.model === 'gpt-image-1')).toEqual(row);
  });
});
