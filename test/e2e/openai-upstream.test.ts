import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let fake: OpenAIFake;
let backup: OpenAIFake;
let gw: TestGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  fake = await startOpenAIFake();
  backup = await startOpenAIFake();
  // A second route to the same model through another base URL, for failover.
  const overlay = `
models:
  gpt-image-1-ha:
    owned_by: test
    routes:
      - { provider: openai, upstream_model: gpt-image-1, priority: 0 }
      - { provider: openai, upstream_model: gpt-image-1, priority: 1, base_url: "${backup.url}/v1" }
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    price: { per_image: 1000 }
providers:
  openai: { breaker_failures: 2, breaker_cooldown_ms: 60000, retries: 0 }
`;
  gw = await startGateway({ overlay, env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` } });
  ({ key } = await gw.clientKey({ balance: 10_000_000 }));
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
  await backup?.close();
});
beforeEach(() => {
  fake.reset();
  backup.reset();
});

describe('the openai SDK through imagegate to the OpenAI upstream', () => {
  it('generates with gpt-image-1 and returns b64 with usage', async () => {
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', size: '1024x1024', quality: 'low' });
    expect(res.data).toHaveLength(1);
    expect((await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).format).toBe('png');
    // OpenAI's output tokens of one low-quality 1024x1024 image.
    expect(res.usage?.output_tokens).toBe(272);
    expect(fake.requests[0]!.json).toMatchObject({ model: 'gpt-image-1', quality: 'low', size: '1024x1024' });
  });

  it('re-hosts a dall-e-3 url result at a signed imagegate URL', async () => {
    const res = await client.images.generate({ model: 'openai/dall-e-3', prompt: 'a fox', response_format: 'url' });
    expect(res.data![0]!.url!.startsWith(`${gw.url}/v1/files/`)).toBe(true);
    expect(res.data![0]!.revised_prompt).toBe('revised: a fox');
    expect((await fetch(res.data![0]!.url!)).status).toBe(200);
  });

  it('answers a moderation block with 400 content_policy_violation and charges nothing', async () => {
    fake.moderateNext = 1;
    const balance = () => gw.balance(key);
    const before = await balance();
    const err = await client.images.generate({ model: 'gpt-image-1', prompt: 'x' }).catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('content_policy_violation');
    expect(await balance()).toEqual({ ...before });
  });

  it('answers an upstream 500 with 502 upstream_error after its retries', async () => {
    fake.knobs.failNext = 5;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1', prompt: 'x' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('upstream_error');
  });

  it('fails over to the next route and cools down a route that keeps failing', async () => {
    fake.knobs.failRate = 1;
    const first = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1-ha', prompt: 'x' });
    expect(first.status).toBe(200);
    expect(backup.requests).toHaveLength(1);
    await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1-ha', prompt: 'x' });
    const primaryCalls = fake.requests.length;
    // Two failures opened the breaker: the primary is skipped while it cools down.
    const third = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1-ha', prompt: 'x' });
    expect(third.status).toBe(200);
    expect(fake.requests.length).toBe(primaryCalls);
    expect(backup.requests).toHaveLength(3);
  });

  it('edits with two images and a mask through the SDK (multipart), reaching the upstream as image[] and mask', async () => {
    const a = await makeImage(64, 64);
    const b = await makeImage(64, 64, { color: { r: 200, g: 10, b: 10 } });
    const mask = await makeImage(64, 64, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });
    const res = await client.images.edit({
      model: 'gpt-image-1',
      image: [await toFile(a, 'a.png', { type: 'image/png' }), await toFile(b, 'b.png', { type: 'image/png' })],
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
      prompt: 'make it red',
    });
    expect(res.data).toHaveLength(1);
    expect(fake.lastFiles.map((f) => f.field)).toEqual(['image[]', 'image[]', 'mask']);
  });

  it('creates variations with dall-e-2 through the SDK', async () => {
    const img = await makeImage(64, 64);
    const res = await client.images.createVariation({
      model: 'dall-e-2',
      image: await toFile(img, 'a.png', { type: 'image/png' }),
      n: 2,
      size: '256x256',
      response_format: 'b64_json',
    });
    expect(res.data).toHaveLength(2);
    expect(fake.requestsTo('/v1/images/variations')).toHaveLength(1);
  });
});
