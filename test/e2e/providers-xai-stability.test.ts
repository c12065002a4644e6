/** The official openai SDK reaching xAI's and Stability AI's fakes through the running server, with OpenAI's own calls. */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../fakes/images.js';
import { StabilityFake, startStabilityFake } from '../fakes/stability.js';
import { startXaiFake, type XaiFake } from '../fakes/xai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let xai: XaiFake;
let stability: StabilityFake;
let gw: TestGateway;
let key: string;
let client: OpenAI;

const BALANCE = 10_000_000;

beforeAll(async () => {
  xai = await startXaiFake();
  stability = await startStabilityFake();
  gw = await startGateway({
    env: {
      XAI_API_KEY: xai.apiKey,
      XAI_BASE_URL: `${xai.url}/v1`,
      STABILITY_API_KEY: stability.apiKey,
      STABILITY_BASE_URL: stability.url,
    },
  });
  ({ key } = await gw.clientKey({ balance: BALANCE }));
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await xai?.close();
  await stability?.close();
});
beforeEach(() => {
  xai.reset();
  stability.reset();
});

const spent = async () => BALANCE - (await gw.balance(key)).available;
const sizeOf = async (b64: string) => imageSize(Buffer.from(b64, 'base64'));

describe('xAI through the openai SDK', () => {
  it('generates n images with aspect_ratio and resolution, charged per image delivered', async () => {
    const before = await spent();
    const res = await client.images.generate({ model: 'grok-imagine-image', prompt: 'a lighthouse', n: 2, aspect_ratio: '16:9', resolution: '1K' } as never);
    expect(res.data).toHaveLength(2);
    expect(await sizeOf(res.data![0]!.b64_json!)).toMatchObject({ width: 1024, height: 576, format: 'jpeg' });
    expect(res.data![0]!.revised_prompt).toBe('revised: a lighthouse');
    expect(xai.requestsTo('/v1/images/generations')[0]!.json).toEqual({
      model: 'grok-imagine-image',
      prompt: 'a lighthouse',
      n: 2,
      aspect_ratio: '16:9',
      resolution: '1k',
      response_format: 'b64_json',
    });
    expect((await spent()) - before).toBe(40_000);
  });

  it("re-hosts xAI's image URLs when the client asks for url", async () => {
    const res = await client.images.generate({ model: 'grok-imagine-image', prompt: 'a lighthouse', response_format: 'url' });
    expect(res.data![0]!.url!.startsWith(`${gw.url}/v1/files/`)).toBe(true);
  });

  it('refuses size with 400 naming size, before any upstream call', async () => {
    const err = await client.images.generate({ model: 'grok-imagine-image', prompt: 'x', size: '1024x1024' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('size');
    expect(xai.requests).toHaveLength(0);
  });

  it('answers a moderation refusal with content_policy_violation and charges nothing', async () => {
    const before = await spent();
    xai.refuseNext = 1;
    const err = await client.images.generate({ model: 'grok-imagine-image', prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_policy_violation');
    expect(await spent()).toBe(before);
    expect((await gw.balance(key)).held).toBe(0);
  });
});

describe('Stability AI through the openai SDK', () => {
  it('generates with Stable Image Core from aspect_ratio and output_format, charged 3 credits', async () => {
    const before = await spent();
    const res = await client.images.generate({ model: 'stable-image-core', prompt: 'a fox', aspect_ratio: '3:2', output_format: 'jpeg' } as never);
    expect(await sizeOf(res.data![0]!.b64_json!)).toMatchObject({ width: 1216, height: 832, format: 'jpeg' });
    expect(stability.requests.at(-1)!.path).toBe('/v2beta/stable-image/generate/core');
    expect((await spent()) - before).toBe(30_000);
  });

  it('inpaints with images.edit, sending the image and the mask as multipart', async () => {
    const png = await makeImage(256, 256, { format: 'png' });
    const mask = await makeImage(256, 256, { format: 'png', alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });
    const res = await client.images.edit({
      model: 'stability-inpaint',
      prompt: 'a hat',
      image: await toFile(png, 'image.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
    });
    expect(await sizeOf(res.data![0]!.b64_json!)).toMatchObject({ width: 256, height: 256 });
    const form = await StabilityFake.form(stability.requests.at(-1)!);
    expect(stability.requests.at(-1)!.path).toBe('/v2beta/stable-image/edit/inpaint');
    expect([...form.keys()].sort()).toEqual(['image', 'mask', 'prompt']);
  });

  it('replaces what search_prompt names with images.edit and an extra field', async () => {
    const png = await makeImage(256, 256, { format: 'png' });
    await client.images.edit({
      model: 'stability-search-and-replace',
      prompt: 'a cat',
      search_prompt: 'the dog',
      image: await toFile(png, 'image.png', { type: 'image/png' }),
    } as never);
    const form = await StabilityFake.form(stability.requests.at(-1)!);
    expect(form.get('search_prompt')).toBe('the dog');
  });

  it('outpaints with images.edit, the sides sent as multipart numbers', async () => {
    const png = await makeImage(256, 256, { format: 'png' });
    const res = await client.images.edit({
      model: 'stability-outpaint',
      prompt: 'more sky',
      left: 64,
      up: 32,
      image: await toFile(png, 'image.png', { type: 'image/png' }),
    } as never);
    expect(await sizeOf(res.data![0]!.b64_json!)).toMatchObject({ width: 320, height: 288 });
    const form = await StabilityFake.form(stability.requests.at(-1)!);
    expect([form.get('left'), form.get('up')]).toEqual(['64', '32']);
  });

  it('answers CONTENT_FILTERED with content_policy_violation and charges nothing', async () => {
    const before = await spent();
    stability.filterNext = 1;
    const err = await client.images.generate({ model: 'stable-image-core', prompt: 'x' }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_policy_violation');
    expect(await spent()).toBe(before);
    expect((await gw.balance(key)).held).toBe(0);
  });
});

describe('both providers behind the gateway', () => {
  it.each([
    ['xAI', 'grok-imagine-image', () => xai, { code: 'Internal error', error: `upstream failed for key ${'xai-fake-key'}` }],
    ['Stability AI', 'stable-image-core', () => stability, { id: 'e', name: 'internal_error', errors: [`upstream failed for key ${'sk-fake-stability'}`] }],
  ])('%s: an error quoting the key reaches the client redacted', async (_, model, fake, body) => {
    const upstream = fake();
    upstream.knobs.failNext = 10;
    upstream.knobs.failStatus = 500;
    upstream.knobs.failBody = body;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model, prompt: 'x' });
    upstream.reset();
    expect(res.status).toBe(502);
    expect(res.text).not.toContain(upstream.apiKey);
    expect(res.text).toContain('[redacted]');
  });

  it.each([
    ['grok-imagine-image', () => xai],
    ['stable-image-core', () => stability],
  ])('%s answers stream: true with its finished image as a completed event, partial_images refused', async (model, fake) => {
    const stream = (extra: object) =>
      fetch(`${gw.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt: 'a lighthouse', stream: true, ...extra }),
      });
    const res = await stream({});
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(await res.text()).toMatch(/event: image_generation\.completed/);
    expect(fake().requests).toHaveLength(1);
    expect((await stream({ partial_images: 2 })).status).toBe(400);
  });

  it("publishes each Stability edit's own fields in its contract", async () => {
    const res = await fetch(`${gw.url}/v1/models/stability-outpaint`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { imagegate: { public_contract: unknown } };
    expect(JSON.stringify(body.imagegate.public_contract)).toMatch(/"left"/);
    expect(JSON.stringify(body.imagegate.public_contract)).toMatch(/"creativity"/);
  });
});
