/**
 * One model served by two clouds: GPT Image on OpenAI (priority 0) and on Azure OpenAI (priority 1), as the
 * built-in catalog routes it. The official `openai` SDK calls imagegate exactly as it calls OpenAI; when
 * OpenAI fails, Azure answers, the client sees one ordinary reply, and the account is charged once.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AzureOpenAIFake, startAzureOpenAIFake } from '../fakes/azure-openai.js';
import { imageSize, makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

// No retries on one cloud before the other, and breakers that stay shut, so each test sees the same order.
const OVERLAY = `
providers:
  openai: { retries: 0, breaker_failures: 1000 }
  azure: { retries: 0, breaker_failures: 1000 }
`;

interface LedgerEntry {
  kind: string;
  amount: number;
  charged: number;
  billing_transaction_id: string;
}

type Billed = { imagegate?: { billing?: { amount?: number } } };
type ApiError = InstanceType<typeof OpenAI.APIError>;

/** The SDK's error for a call that must fail; a success fails the test. */
async function apiError(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(outcome)}`);
  return outcome;
}

describe.each(databases())('GPT Image across OpenAI and Azure on $name', ({ make }) => {
  let openai: OpenAIFake;
  let azure: AzureOpenAIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    openai = await startOpenAIFake();
    azure = await startAzureOpenAIFake();
    const db = await make();
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: {
        OPENAI_API_KEY: 'sk-fake-openai',
        OPENAI_BASE_URL: `${openai.url}/v1`,
        AZURE_OPENAI_API_KEY: 'azure-fake-key',
        AZURE_OPENAI_ENDPOINT: azure.url,
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await openai?.close();
    await azure?.close();
  });
  beforeEach(() => {
    openai.reset();
    azure.reset();
  });

  async function account() {
    const { key, accountId } = await gw.clientKey({ balance: 10_000_000 });
    return { key, accountId, client: new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 }) };
  }

  async function ledgerOf(accountId: string, key: string): Promise<LedgerEntry[]> {
    await until(async () => (await gw.balance(key)).open_holds === 0);
    return (await gw.admin(`/v1/admin/ledger?account_id=${accountId}`)).body.data as LedgerEntry[];
  }

  /** One hold, closed once by one settle, charging what the reply said. */
  async function expectBilledOnce(accountId: string, key: string, billed: number): Promise<void> {
    const ledger = await ledgerOf(accountId, key);
    const holds = ledger.filter((e) => e.kind === 'hold');
    const closes = ledger.filter((e) => e.kind === 'settle' || e.kind === 'refund');
    expect(holds).toHaveLength(1);
    expect(closes.map((e) => e.kind)).toEqual(['settle']);
    expect(ledger.reduce((s, e) => s + e.charged, 0)).toBe(billed);
    expect(billed).toBeGreaterThan(0);
    expect(await gw.balance(key)).toMatchObject({ available: 10_000_000 - billed, held: 0, open_holds: 0 });
  }

  it('serves from OpenAI while it answers, without calling Azure', async () => {
    const { client } = await account();
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', size: '1024x1024', quality: 'low' });
    expect(res.data).toHaveLength(1);
    expect(openai.requests).toHaveLength(1);
    expect(azure.requests).toHaveLength(0);
  });

  it('serves from Azure when OpenAI answers 5xx, and bills the request once', async () => {
    const { client, key, accountId } = await account();
    openai.knobs.failRate = 1;
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', size: '1024x1024', quality: 'low' });
    expect(res.data).toHaveLength(1);
    expect((await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).width).toBe(1024);
    expect(openai.requests).toHaveLength(1);
    expect(azure.requests.map((r) => r.path)).toEqual(['/openai/deployments/gpt-image-1/images/generations']);
    await expectBilledOnce(accountId, key, (res as Billed).imagegate!.billing!.amount!);
  });

  it('serves from Azure when OpenAI drops the connection, and bills the request once', async () => {
    const { client, key, accountId } = await account();
    openai.knobs.dropNext = 10;
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', size: '1536x1024', quality: 'medium' });
    expect(res.data).toHaveLength(1);
    expect(res.size).toBe('1536x1024');
    expect(azure.requests).toHaveLength(1);
    await expectBilledOnce(accountId, key, (res as Billed).imagegate!.billing!.amount!);
  });

  it("does not fail over a refusal by OpenAI's safety system: the client must change the prompt, and nothing is charged", async () => {
    const { client, key, accountId } = await account();
    openai.moderateNext = 1;
    const err = await client.images.generate({ model: 'gpt-image-1', prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('content_policy_violation');
    expect(azure.requests).toHaveLength(0);
    const ledger = await ledgerOf(accountId, key);
    expect(ledger.filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect(ledger.reduce((s, e) => s + e.charged, 0)).toBe(0);
  });

  it("fails with Azure's content filter as content_policy_violation when Azure is the route that answers", async () => {
    const { client } = await account();
    openai.knobs.failRate = 1;
    azure.filterNext('gpt-image');
    const err = await client.images.generate({ model: 'gpt-image-1', prompt: 'x' }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('content_policy_violation');
  });

  it('edits through Azure with the SDK call used for OpenAI when OpenAI is down', async () => {
    const { client } = await account();
    openai.knobs.failRate = 1;
    const png = await makeImage(64, 64);
    const res = await client.images.edit({ model: 'gpt-image-1', prompt: 'add a hat', image: await toFile(png, 'in.png', { type: 'image/png' }) });
    expect(res.data).toHaveLength(1);
    expect(azure.requests[0]!.path).toBe('/openai/deployments/gpt-image-1/images/edits');
    expect(azure.lastFiles.map((f) => f.field)).toEqual(['image']);
  });

  it('re-hosts a DALL·E 3 url answer from Azure at an imagegate URL', async () => {
    const { client } = await account();
    openai.knobs.failRate = 1;
    const res = await client.images.generate({ model: 'dall-e-3', prompt: 'a fox', response_format: 'url' });
    expect(res.data![0]!.url!.startsWith(`${gw.url}/v1/files/`)).toBe(true);
    expect(azure.requests[0]!.path).toBe('/openai/deployments/dall-e-3/images/generations');
  });
});

describe('a cross-cloud model whose Azure route takes less than OpenAI', () => {
  let openai: OpenAIFake;
  let azure: AzureOpenAIFake;
  const gateways: TestGateway[] = [];

  /** gpt-image-1 whose Azure deployment generates only, one image per request. */
  const overlay = (contract: 'intersection' | 'per_route') => `${OVERLAY}
models:
  gpt-image-1:
    route_contract: ${contract}
    routes:
      - { provider: openai }
      - { provider: azure, priority: 1, accepts: { operations: [text-to-image], n_max: 1 } }
`;

  async function gatewayWith(contract: 'intersection' | 'per_route') {
    const gw = await startGateway({
      overlay: overlay(contract),
      env: {
        OPENAI_API_KEY: 'sk-fake-openai',
        OPENAI_BASE_URL: `${openai.url}/v1`,
        AZURE_OPENAI_API_KEY: 'azure-fake-key',
        AZURE_OPENAI_ENDPOINT: azure.url,
      },
    });
    gateways.push(gw);
    const { key } = await gw.clientKey({ balance: 10_000_000 });
    return { gw, key, client: new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 }) };
  }

  beforeAll(async () => {
    openai = await startOpenAIFake();
    azure = await startAzureOpenAIFake();
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await openai?.close();
    await azure?.close();
  });
  beforeEach(() => {
    openai.reset();
    azure.reset();
  });

  const edit = async (client: OpenAI) =>
    client.images.edit({ model: 'gpt-image-1', prompt: 'add a hat', image: await toFile(await makeImage(64, 64), 'in.png', { type: 'image/png' }) });

  it('refuses by default what one route cannot do (the intersection), before holding money or calling a cloud', async () => {
    const { gw, key, client } = await gatewayWith('intersection');
    const err = await apiError(edit(client));
    expect(err.status).toBe(400);
    expect((err.error as { param?: string }).param).toBe('model');
    const n2 = await apiError(client.images.generate({ model: 'gpt-image-1', prompt: 'x', n: 2 }));
    expect((n2.error as { param?: string }).param).toBe('n');
    expect(openai.requests.length + azure.requests.length).toBe(0);
    expect(await gw.balance(key)).toMatchObject({ available: 10_000_000, held: 0, open_holds: 0 });
    // GET /v1/models shows the contract that was held to: what both clouds take.
    const listed = (await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      data: Array<{ id: string; imagegate: { providers: string[]; public_contract_summary: { operations: string[]; max_n: number } } }>;
    };
    const gpt = listed.data.find((m) => m.id === 'gpt-image-1')!;
    expect(gpt.imagegate.providers).toEqual(['openai', 'azure']);
    expect(gpt.imagegate.public_contract_summary).toMatchObject({ operations: ['text-to-image'], max_n: 1 });
  });

  it('with per_route, sends what only OpenAI takes to OpenAI alone, and fails it over to nobody', async () => {
    const { client } = await gatewayWith('per_route');
    expect((await edit(client)).data).toHaveLength(1);
    expect(openai.requests).toHaveLength(1);
    openai.knobs.failRate = 1;
    const err = await apiError(edit(client));
    expect(err.status).toBe(502);
    const n2 = await apiError(client.images.generate({ model: 'gpt-image-1', prompt: 'x', n: 2 }));
    expect(n2.status).toBe(502);
    expect(azure.requests).toHaveLength(0);
  });

  it('with per_route, still fails over what both clouds take', async () => {
    const { client } = await gatewayWith('per_route');
    openai.knobs.failRate = 1;
    const res = await client.images.generate({ model: 'gpt-image-1', prompt: 'a fox', n: 1 });
    expect(res.data).toHaveLength(1);
    expect(azure.requests).toHaveLength(1);
  });
});
