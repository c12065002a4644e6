/**
 * Vertex AI and Imagen end to end: the official openai SDK calls the gateway in front of fakes of Google's
 * token endpoint, Vertex AI and the Gemini API; a model on both clouds fails over between them, billed once.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { googleError, type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { type GoogleTokenFake, startGoogleTokenFake, writeServiceAccount } from '../fakes/google-token.js';
import { imageSize, makeImage } from '../fakes/images.js';
import { VertexFake } from '../fakes/vertex.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

let tokens: GoogleTokenFake;
let vertex: VertexFake;
let gemini: GeminiFake;
let gw: TestGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  tokens = await startGoogleTokenFake();
  const account = writeServiceAccount();
  tokens.trust(account);
  vertex = await new VertexFake(tokens, account.projectId).start();
  gemini = await startGeminiFake();
  gw = await startGateway({
    env: {
      GOOGLE_APPLICATION_CREDENTIALS: account.path,
      IMAGEGATE_GOOGLE_TOKEN_URL: tokens.tokenUrl,
      VERTEX_BASE_URL: vertex.url,
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: `${gemini.url}/v1beta`,
    },
  });
  ({ key } = await gw.clientKey({ balance: 100_000_000 }));
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await vertex?.close();
  await gemini?.close();
  await tokens?.close();
});
beforeEach(() => {
  vertex.reset();
  gemini.reset();
});

const spent = async (run: () => Promise<unknown>): Promise<number> => {
  const before = await gw.balance(key);
  await run();
  const after = await gw.balance(key);
  expect(after.held).toBe(0);
  return before.available - after.available;
};

/** The next `count` calls to this fake fail with Google's 503. */
const unavailable = (fake: GeminiFake, count: number) =>
  Object.assign(fake.knobs, { failNext: count, failStatus: 503, failBody: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') });

describe('Imagen through the openai SDK', () => {
  it('reaches Imagen 4 on Vertex AI with the same call as for OpenAI, and charges its per-image price', async () => {
    let res: OpenAI.ImagesResponse | undefined;
    const cost = await spent(async () => {
      res = await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a lighthouse at dawn', n: 2, size: '1408x768' as never });
    });
    expect(res!.data).toHaveLength(2);
    const img = await imageSize(Buffer.from(res!.data![0]!.b64_json!, 'base64'));
    expect(`${img.width}x${img.height}`).toBe('1408x768');
    expect(vertex.calls.at(-1)).toMatchObject({ model: 'imagen-4.0-generate-001', method: 'predict' });
    expect(gemini.requests).toHaveLength(0);
    expect(cost).toBe(2 * 40_000);
  });

  it('fails over from Vertex AI to the Gemini API when Vertex is down, unnoticed by the client and billed once', async () => {
    unavailable(vertex, 10);
    let res: OpenAI.ImagesResponse | undefined;
    const cost = await spent(async () => {
      res = await client.images.generate({ model: 'imagen-4', prompt: 'a lighthouse at dawn' });
    });
    expect(res!.data).toHaveLength(1);
    expect(vertex.requests.length).toBeGreaterThan(0);
    expect(gemini.requestsTo('/v1beta/models/imagen-4.0-generate-001:predict')).toHaveLength(1);
    expect(cost).toBe(40_000);
  });

  it('refuses a field only one of the two clouds takes, with 400 naming it and nothing charged', async () => {
    const cost = await spent(async () => {
      const e = await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a lighthouse', seed: 3 } as never).catch((x: unknown) => x);
      expect(e).toMatchObject({ status: 400, error: { param: 'seed' } });
    });
    expect(cost).toBe(0);
    expect(vertex.requests).toHaveLength(0);
  });

  it('delivers and charges only the images Imagen did not filter', async () => {
    vertex.imagen.filterNext = 1;
    let res: OpenAI.ImagesResponse | undefined;
    const cost = await spent(async () => {
      res = await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'two lighthouses', n: 2 });
    });
    expect(res!.data).toHaveLength(1);
    expect(cost).toBe(40_000);
  });

  it('answers content_policy_violation when Imagen filters every image, without failing over or charging', async () => {
    vertex.imagen.filterNext = 1;
    const cost = await spent(async () => {
      const e = await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'something filtered' }).catch((x: unknown) => x);
      expect(e).toMatchObject({ status: 400, code: 'content_policy_violation' });
    });
    expect(cost).toBe(0);
    expect(gemini.requests).toHaveLength(0);
  });
});

describe('Imagen customization through the gateway', () => {
  it('takes references as image_urls with a reference description, and charges per image', async () => {
    const png = await makeImage(64, 64);
    let res: OpenAI.ImagesResponse | undefined;
    const cost = await spent(async () => {
      res = await client.images.generate({
        model: 'imagen-3.0-capability-001',
        prompt: 'a photo of [1] on a beach',
        image_urls: [`data:image/png;base64,${png.toString('base64')}`],
        reference_type: 'subject',
        reference_description: 'a red mug',
      } as never);
    });
    expect(res!.data).toHaveLength(1);
    const sent = vertex.requests.at(-1)!.json as {
      instances: Array<{ referenceImages: Array<{ referenceType: string; referenceImage: { bytesBase64Encoded: string } }> }>;
    };
    expect(sent.instances[0]!.referenceImages[0]).toMatchObject({
      referenceType: 'REFERENCE_TYPE_SUBJECT',
      referenceImage: { bytesBase64Encoded: png.toString('base64') },
    });
    expect(cost).toBe(20_000);
  });
});

describe('Gemini image models on both clouds', () => {
  it('fails over from the Gemini API to Vertex AI, charging what the Gemini API would have', async () => {
    const direct = await spent(() => client.images.generate({ model: 'nano-banana', prompt: 'a banana' }));
    unavailable(gemini, 10);
    let res: OpenAI.ImagesResponse | undefined;
    const failedOver = await spent(async () => {
      res = await client.images.generate({ model: 'nano-banana', prompt: 'a banana' });
    });
    expect(res!.data).toHaveLength(1);
    expect(vertex.calls.at(-1)).toMatchObject({ model: 'gemini-2.5-flash-image', method: 'generateContent' });
    expect(direct).toBeGreaterThan(0);
    expect(failedOver).toBe(direct);
  });
});
