/**
 * Resolution tiers spelled as `size` ("1K" / "2K" / "4K", as Seedream documents it) on the OpenAI-shaped
 * endpoints: taken as the model's resolution where its contract lists tiers, sent to Ark as its tier,
 * priced as the tier, and refused on `size` (listing what the model takes) everywhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArkFake, startArkFake } from '../fakes/ark.js';
import { type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

const SEEDREAM = 'doubao-seedream-4-0-250828';
/** A tier price for 4K so a tier that is lost on the way (priced as the flat default) shows in the amount. */
const PRICE_4K = 90_000;
const PRICE_DEFAULT = 30_000;

let ark: ArkFake;
let openai: OpenAIFake;
let gemini: GeminiFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  ark = await startArkFake();
  openai = await startOpenAIFake();
  gemini = await startGeminiFake();
  gw = await startGateway({
    overlay: `
models:
  ${SEEDREAM}:
    price: { per_image: ${PRICE_DEFAULT}, per_image_by: { 4K: ${PRICE_4K} } }
`,
    env: {
      ARK_API_KEY: ark.apiKey,
      ARK_BASE_URL: `${ark.url}/api/v3`,
      OPENAI_API_KEY: 'sk-fake-openai',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: `${gemini.url}/v1beta`,
    },
  });
  ({ key } = await gw.clientKey({ balance: 10_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await ark?.close();
  await openai?.close();
  await gemini?.close();
});

const arkCalls = () => ark.requestsTo('/api/v3/images/generations');
const lastArkBody = () => arkCalls().at(-1)!.json as Record<string, unknown>;

describe('size tiers on the OpenAI-shaped path', () => {
  it('size "2K" for Seedream 4.0 reaches Ark as its "2K" tier and comes back 2048x2048', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SEEDREAM, prompt: 'a city skyline at sunset', size: '2K' });
    expect(res.status).toBe(200);
    expect(lastArkBody()).toMatchObject({ model: SEEDREAM, size: '2K' });
    expect(res.body.data[0].size).toBe('2048x2048');
    expect(res.body.imagegate.billing.amount).toBe(PRICE_DEFAULT);
  });

  it('size "4K" is held and charged at the 4K tier price', async () => {
    const before = await gw.balance(key);
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: `ark/${SEEDREAM}`, prompt: 'a harbour at night', size: '4K' });
    expect(res.status).toBe(200);
    expect(lastArkBody().size).toBe('4K');
    expect(res.body.imagegate.billing.amount).toBe(PRICE_4K);
    const after = await gw.balance(key);
    expect(before.available - after.available).toBe(PRICE_4K);
    expect(after.held).toBe(0);
  });

  it("a tier with an aspect ratio gives Ark the ratio's recommended size at that tier", async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SEEDREAM, prompt: 'x', size: '2K', aspect_ratio: '16:9' });
    expect(res.status).toBe(200);
    expect(lastArkBody().size).toBe('2560x1440');
  });

  it('a tier in a multipart edit is taken the same way', async () => {
    const form = new FormData();
    form.append('model', SEEDREAM);
    form.append('prompt', 'add a red beret');
    form.append('size', '1K');
    form.append('image', new Blob([new Uint8Array(await makeImage(640, 640))], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(200);
    expect(lastArkBody().size).toBe('1K');
  });

  it('a tier the model does not offer (1K on Seedream 4.5) is 400 on size, listing its tiers, before any upstream call', async () => {
    const calls = arkCalls().length;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'doubao-seedream-4-5-251128', prompt: 'x', size: '1K' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', param: 'size' });
    expect(res.body.error.message).toContain('2K, 4K');
    expect(arkCalls().length).toBe(calls);
  });

  it('size and resolution naming different tiers is 400 on size', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SEEDREAM, prompt: 'x', size: '2K', resolution: '4K' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('size');
  });

  it('gpt-image-1 has no tiers: size "2K" is 400 invalid_request on size, listing the sizes it accepts', async () => {
    const calls = openai.requests.length;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1', prompt: 'x', size: '2K' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: 'size' });
    expect(res.body.error.message).toContain('1024x1024');
    expect(res.body.error.message).toContain('1536x1024');
    expect(openai.requests.length).toBe(calls);
  });

  it('a lowercase or unknown tier spelling is still a grammar error on size', async () => {
    for (const size of ['2k', '2KB', 'K2']) {
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: SEEDREAM, prompt: 'x', size });
      expect([res.status, res.body.error.param]).toEqual([400, 'size']);
    }
  });

  it('a tier on chat completions for Gemini 3 becomes its imageSize', async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, key, {
      model: 'gemini-3.1-flash-image-preview',
      size: '2K',
      messages: [{ role: 'user', content: 'a cat' }],
    });
    expect(res.status).toBe(200);
    const sent = gemini.requests.at(-1)!.json as { generationConfig: { imageConfig?: Record<string, string> } };
    expect(sent.generationConfig.imageConfig).toMatchObject({ imageSize: '2K' });
  });

  it('the public contract lists the tiers under size', async () => {
    const res = await fetch(`${gw.url}/v1/models/${SEEDREAM}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { imagegate: { public_contract: { fields: { size: { tiers?: string[] } } } } };
    expect(body.imagegate.public_contract.fields.size.tiers).toEqual(['1K', '2K', '4K']);
  });
});
