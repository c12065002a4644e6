/** The same openai-SDK call reaching each provider's fake through the running server. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArkFake, startArkFake } from '../fakes/ark.js';
import { type AzureOpenAIFake, startAzureOpenAIFake } from '../fakes/azure-openai.js';
import { type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { imageSize } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let gemini: GeminiFake;
let ark: ArkFake;
let azure: AzureOpenAIFake;
let gw: TestGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  gemini = await startGeminiFake();
  ark = await startArkFake();
  azure = await startAzureOpenAIFake();
  gw = await startGateway({
    env: {
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: `${gemini.url}/v1beta`,
      ARK_API_KEY: ark.apiKey,
      ARK_BASE_URL: `${ark.url}/api/v3`,
      // No OpenAI key: GPT Image is served by its Azure route alone, signed in with an Entra token.
      AZURE_OPENAI_AD_TOKEN: azure.token,
      AZURE_OPENAI_ENDPOINT: azure.url,
    },
  });
  ({ key } = await gw.clientKey({ balance: 100_000_000 }));
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await gemini?.close();
  await ark?.close();
  await azure?.close();
});

describe('one request shape, every provider', () => {
  it('reaches Gemini (nano-banana) with aspect_ratio, answering b64 and recording token usage', async () => {
    const res = await client.images.generate({ model: 'nano-banana', prompt: 'a banana', aspect_ratio: '16:9' } as never);
    const img = Buffer.from(res.data![0]!.b64_json!, 'base64');
    expect((await imageSize(img)).width).toBeGreaterThan((await imageSize(img)).height);
    const sent = gemini.requests.at(-1)!;
    expect(sent.headers['x-goog-api-key']).toBe(gemini.apiKey);
    expect((sent.json as { generationConfig: { imageConfig: { aspectRatio: string } } }).generationConfig.imageConfig.aspectRatio).toBe('16:9');
  });

  it('reaches Gemini through the chat completions dialect', async () => {
    const res = await client.chat.completions.create({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'draw a cat' }] });
    expect(res.choices[0]!.message.content).toMatch(/!\[image\]\(data:image\/png;base64,/);
  });

  it('reaches Seedream with an OpenAI size, sending watermark false and hosting the result URL', async () => {
    const res = await client.images.generate({ model: 'seedream-4.0', prompt: 'a city at dusk', size: '2048x2048', response_format: 'url' } as never);
    expect(res.data![0]!.url!.startsWith(`${gw.url}/v1/files/`)).toBe(true);
    expect(ark.requestsTo('/api/v3/images/generations').at(-1)!.json).toMatchObject({
      model: 'doubao-seedream-4-0-250828',
      size: '2048x2048',
      watermark: false,
    });
  });

  it('reaches GPT Image on Azure OpenAI with an Entra token, at the deployment URL', async () => {
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse', size: '1024x1536', quality: 'low' });
    expect((await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).height).toBe(1536);
    const sent = azure.requests.at(-1)!;
    expect(sent.path).toBe('/openai/deployments/gpt-image-1/images/generations');
    expect(sent.query.get('api-version')).toBe('2025-04-01-preview');
    expect(sent.headers.authorization).toBe(`Bearer ${azure.token}`);
  });

  it('refuses a size a model cannot honour with 400 naming size, before any upstream call or charge', async () => {
    const before = gemini.requests.length;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'nano-banana', prompt: 'x', size: '1000x1000' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('size');
    expect(gemini.requests.length).toBe(before);
  });
});
