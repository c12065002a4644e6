/** The official openai SDK reaching a self-hosted LocalAI-like server declared in an IMAGEGATE_CONFIG overlay. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize } from '../fakes/images.js';
import { type LocalAIFake, startLocalAIFake } from '../fakes/localai.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

let localai: LocalAIFake;
let other: LocalAIFake;
let gw: TestGateway;
let key: string;
let client: OpenAI;

const BALANCE = 10_000_000;
const PER_IMAGE = 5_000;

const overlay = (baseUrl: string) => `
models:
  my-sd:
    owned_by: me
    description: Stable Diffusion on our own GPU box, served by LocalAI.
    routes: [{ provider: openai-compatible, base_url: "${baseUrl}", upstream_model: stablediffusion }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4, default: 1 }
    sizes: { values: ["256x256", "512x512"] }
    fields: { step: { type: integer, min: 1, max: 100 } }
    price: { per_image: ${PER_IMAGE} }
`;

beforeAll(async () => {
  localai = await startLocalAIFake(['stablediffusion']);
  other = await startLocalAIFake(['stablediffusion']);
  gw = await startGateway({ overlay: overlay(`${localai.url}/v1`) });
  ({ key } = await gw.clientKey({ balance: BALANCE }));
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await localai?.close();
  await other?.close();
});
beforeEach(() => {
  localai.reset();
  other.reset();
});

const spent = async () => BALANCE - (await gw.balance(key)).available;

describe('an OpenAI-compatible server through the openai SDK', () => {
  it('generates with the fields the overlay declares, sends no key, and charges the declared price per image', async () => {
    const before = await spent();
    const res = await client.images.generate({ model: 'my-sd', prompt: 'a lighthouse', n: 2, size: '256x256', step: 20 } as never);
    expect(res.data).toHaveLength(2);
    expect(await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toMatchObject({ width: 256, height: 256, format: 'png' });
    const sent = localai.requestsTo('/v1/images/generations')[0]!;
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.json).toEqual({ model: 'stablediffusion', prompt: 'a lighthouse', n: 2, size: '256x256', step: 20, response_format: 'b64_json' });
    expect((await spent()) - before).toBe(2 * PER_IMAGE);
  });

  it("downloads a URL result from the server's own private host and re-hosts it", async () => {
    const res = await client.images.generate({ model: 'my-sd', prompt: 'a lighthouse', response_format: 'url' });
    expect(res.data![0]!.url!.startsWith(`${gw.url}/v1/files/`)).toBe(true);
    expect(localai.requestsTo(/^\/generated-images\//)).toHaveLength(1);
  });

  it('refuses a URL result pointing at another private host, fetching nothing there and charging nothing', async () => {
    const before = await spent();
    localai.urlOrigin = other.url;
    const err = await client.images.generate({ model: 'my-sd', prompt: 'a lighthouse', response_format: 'url' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(other.requests).toHaveLength(0);
    expect(await spent()).toBe(before);
    expect((await gw.balance(key)).held).toBe(0);
  });

  it('answers a server failure as a 502 with its message, charging nothing', async () => {
    const before = await spent();
    localai.failNext.push({ status: 500, message: 'could not load model' }, { status: 500, message: 'could not load model' });
    const err = await client.images.generate({ model: 'my-sd', prompt: 'a lighthouse' }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as Error).message).toContain('could not load model');
    expect(await spent()).toBe(before);
  });
});
