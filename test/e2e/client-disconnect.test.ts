import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { until } from '../support/wait.js';

describe.each(databases())('a client that hangs up mid-request on $name', ({ make }) => {
  let fake: OpenAIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const db = await make();
    gw = await startGateway({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` } });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });

  it('gets its hold refunded, the upstream call cancelled, and a 499 client_closed_request in the request log', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 5_000_000 });
    fake.knobs.latencyMs = 600;
    const ac = new AbortController();
    const sent = fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse', size: '1024x1024', quality: 'low' }),
      signal: ac.signal,
    });
    await until(() => fake.inFlight === 1);
    expect((await gw.balance(key)).open_holds).toBe(1);
    ac.abort();
    await expect(sent).rejects.toThrow();
    await until(async () => (await gw.balance(key)).open_holds === 0);
    expect(await gw.balance(key)).toMatchObject({ available: 5_000_000, held: 0 });
    const logged = async () =>
      gw.gateway.db.kysely
        .selectFrom('request_log')
        .select(['status', 'error_code', 'amount'])
        .where('account_id', '=', accountId)
        .where('endpoint', '=', '/v1/images/generations')
        .execute();
    await until(async () => (await logged()).length === 1);
    expect(await logged()).toEqual([{ status: 499, error_code: 'client_closed_request', amount: 0 }]);
    fake.knobs.latencyMs = 0;
    const after = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1', prompt: 'again', size: '1024x1024', quality: 'low' });
    expect(after.status).toBe(200);
  });
});
