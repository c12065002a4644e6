/**
 * Seed 003 (a vendor's gpt-image-2 generation doc) as a conformance suite: its requests, run unchanged but
 * for base URL and key against imagegate with a fake OpenAI upstream.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

let fake: OpenAIFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startGateway({ env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` } });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

const gen = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
  fetch(`${gw.url}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as any }),
  );

describe('seed 003: image generation API', () => {
  it('Request Example: gpt-image-2 with n, size and quality returns data[].b64_json', async () => {
    const res = await gen({
      model: 'gpt-image-2',
      prompt: 'a cute orange cat wearing a wizard hat, sitting on a rooftop under moonlight, watercolor style',
      n: 1,
      size: '1024x1024',
      quality: 'auto',
    });
    expect(res.status).toBe(200);
    expect(typeof res.body.created).toBe('number');
    expect(Buffer.from(res.body.data[0].b64_json, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('Headers: the x-api-key header authenticates like Bearer', async () => {
    const res = await gen({ model: 'gpt-image-2', prompt: 'x', size: '1024x1024' }, { 'x-api-key': key });
    expect(res.status).toBe(200);
  });

  it('cURL Example: the documented body', async () => {
    const res = await gen({
      model: 'gpt-image-2',
      prompt: 'a cute cat wearing a wizard hat on a rooftop under moonlight, watercolor style',
      n: 1,
      size: '1024x1024',
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
  });

  it('Node.js Example: client.images.generate with the openai package', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1` });
    const result = await client.images.generate({ model: 'gpt-image-2', prompt: 'a cute cat wearing a wizard hat', n: 1, size: '1024x1024' });
    const imageData = Buffer.from(result.data![0]!.b64_json!, 'base64');
    expect((await imageSize(imageData)).format).toBe('png');
  });

  for (const size of ['auto', '1024x1024', '1024x1536', '1536x1024', '1280x1280', '2048x2048']) {
    it(`Supported Sizes: ${size} is accepted for gpt-image-2`, async () => {
      expect((await gen({ model: 'gpt-image-2', prompt: 'x', size })).status).toBe(200);
    });
  }

  for (const [label, size] of [
    ['big', 'big'],
    ['large', 'large'],
    ['"1024 x 1024"', '1024 x 1024'],
    ['a number', 1024],
    ['an object', { w: 1 }],
    ['an oversized string', '1024x1024xxxxxxxxxx'],
  ] as const) {
    it(`Format constraints: size ${label} is 400 invalid_request`, async () => {
      const res = await gen({ model: 'gpt-image-2', prompt: 'x', size });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', param: 'size' });
    });
  }

  it("Unsupported sizes (4096x4096): imagegate answers 400 before the upstream instead of the seed's refunded 502", async () => {
    // Deliberate difference (README): the model's contract knows the size is out of range, so nothing is held or sent.
    const before = fake.requests.length;
    const res = await gen({ model: 'gpt-image-2', prompt: 'x', size: '4096x4096' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('size');
    expect(fake.requests.length).toBe(before);
  });

  it('Error Codes: 401 invalid_api_key', async () => {
    const res = await gen({ model: 'gpt-image-2', prompt: 'x' }, { authorization: 'Bearer pk_live_xxxxxxxxxxxxxxxx' });
    expect([res.status, res.body.error.code]).toEqual([401, 'invalid_api_key']);
  });

  it('Error Codes: 402 insufficient_balance', async () => {
    const { key: poor } = await gw.clientKey({ balance: 1 });
    const res = await gen({ model: 'gpt-image-2', prompt: 'x' }, { authorization: `Bearer ${poor}` });
    expect([res.status, res.body.error.code]).toEqual([402, 'insufficient_balance']);
  });

  it('Error Codes: 403 MODEL_ACCESS_DENIED', async () => {
    const { key: narrow } = await gw.clientKey({ balance: 1_000_000, attrs: { models: ['local'] } });
    const res = await gen({ model: 'gpt-image-2', prompt: 'x' }, { authorization: `Bearer ${narrow}` });
    expect([res.status, res.body.error.code]).toEqual([403, 'MODEL_ACCESS_DENIED']);
  });

  it('Error Codes: 404 model_not_found', async () => {
    const res = await gen({ model: 'gpt-9-image', prompt: 'x' });
    expect([res.status, res.body.error.code]).toEqual([404, 'model_not_found']);
  });

  it('Error Codes: 400 content_policy_violation, pre-deduction refunded', async () => {
    fake.moderateNext = 1;
    const res = await gen({ model: 'gpt-image-2', prompt: 'x' });
    expect([res.status, res.body.error.code]).toEqual([400, 'content_policy_violation']);
    const bal = await gw.balance(key);
    expect(bal.held).toBe(0);
  });

  it('Error Codes: 429 rate_limit_exceeded', async () => {
    const { key: slow } = await gw.clientKey({ balance: 10_000_000, attrs: { rpm: 1 } });
    await gen({ model: 'gpt-image-2', prompt: 'x' }, { authorization: `Bearer ${slow}` });
    const res = await gen({ model: 'gpt-image-2', prompt: 'x' }, { authorization: `Bearer ${slow}` });
    expect([res.status, res.body.error.code]).toEqual([429, 'rate_limit_exceeded']);
  });

  it('Error Codes: 502 upstream_error', async () => {
    fake.knobs.failNext = 2;
    const res = await gen({ model: 'gpt-image-2', prompt: 'x' });
    expect([res.status, res.body.error.code]).toEqual([502, 'upstream_error']);
  });

  it('Billing: fewer images than requested are refunded automatically', async () => {
    fake.fewerNext = 1;
    const res = await gen({ model: 'gpt-image-2', prompt: 'x', n: 2, quality: 'low', size: '1024x1024' });
    expect(res.body.data).toHaveLength(1);
    // Charged on the usage OpenAI reports for the one image: 196 output tokens at $30/M, 7 text tokens at $5/M.
    expect(res.body.imagegate.billing.amount).toBe(196 * 30 + 7 * 5);
  });
});
