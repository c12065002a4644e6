import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let fake: OpenAIFake;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startGateway({ env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` } });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

describe('dated snapshots and key model lists', () => {
  it('lets a key allowed a model use its dated snapshots, and no other model`s', async () => {
    const { key: gpt2 } = await gw.clientKey({ balance: 10_000_000, attrs: { models: ['gpt-image-2'] } });
    const ok = await postJson(`${gw.url}/v1/images/generations`, gpt2, { model: 'gpt-image-2-2026-04-21', prompt: 'a fox', quality: 'low' });
    expect([ok.status, ok.body.imagegate.model]).toEqual([200, 'gpt-image-2-2026-04-21']);
    const { key: gpt15 } = await gw.clientKey({ balance: 10_000_000, attrs: { models: ['gpt-image-1.5'] } });
    const denied = await postJson(`${gw.url}/v1/images/generations`, gpt15, { model: 'gpt-image-2-2026-04-21', prompt: 'a fox' });
    expect([denied.status, denied.body.error.code, denied.body.error.param]).toEqual([403, 'MODEL_ACCESS_DENIED', 'model']);
  });
});
