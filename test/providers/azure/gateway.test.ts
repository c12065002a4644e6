/** OPENAI_API_VERSION reaches Azure's URLs through a running gateway (config → provider registry). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzureOpenAIFake, startAzureOpenAIFake } from '../../fakes/azure-openai.js';
import { postJson, startGateway, type TestGateway } from '../../support/gateway.js';

let azure: AzureOpenAIFake;
let gw: TestGateway;

beforeAll(async () => {
  azure = await startAzureOpenAIFake();
  gw = await startGateway({ env: { AZURE_OPENAI_API_KEY: azure.apiKey, AZURE_OPENAI_ENDPOINT: azure.url, OPENAI_API_VERSION: '2024-10-21' } });
});
afterAll(async () => {
  await gw?.close();
  await azure?.close();
});

describe('azure openai through the gateway', () => {
  it('sends the api-version OPENAI_API_VERSION names', async () => {
    const { key } = await gw.clientKey({ balance: 10_000_000 });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'dall-e-3', prompt: 'a fox' });
    expect(res.status).toBe(200);
    expect(azure.requests[0]!.query.get('api-version')).toBe('2024-10-21');
    expect(azure.requests[0]!.headers['api-key']).toBe(azure.apiKey);
  });
});
