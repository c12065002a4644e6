/**
 * GET /v1/admin/providers and GET /v1/admin/models: which providers and models are usable, why the others are
 * not (the missing environment variable, never a secret), and each route's attempts, latency and circuit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { openaiImageModel } from '../support/overlays.js';

// The fake upstream's own key: the secret that must not show.
const OPENAI_SECRET = 'sk-fake-openai';
// Two failures in a row open the circuit, for a minute: long enough to read it open.
const OVERLAY = `models:\n${openaiImageModel('fragile-image', 1000)}providers:\n  openai: { retries: 0, breaker_failures: 2, breaker_cooldown_ms: 60000 }\n`;

interface RouteView {
  id: string;
  model: string;
  configured: boolean;
  missing_env: string | null;
  attempts: Record<string, number>;
  latency_ms: { p50: number; p95: number; window: number } | null;
  circuit: { state: string; failures: number; open_until: string | null };
}
interface ProviderView {
  name: string;
  configured: boolean;
  missing_env: string | null;
  routes: RouteView[];
}

let gw: TestGateway;
let openai: OpenAIFake;

beforeAll(async () => {
  openai = await startOpenAIFake();
  gw = await startGateway({ overlay: OVERLAY, env: { OPENAI_API_KEY: OPENAI_SECRET, OPENAI_BASE_URL: `${openai.url}/v1`, ARK_API_KEY: undefined } });
});
afterAll(async () => {
  await gw?.close();
  await openai?.close();
});

const providers = async () => {
  const res = await gw.admin('/v1/admin/providers');
  expect(res.status).toBe(200);
  return res.body.data as ProviderView[];
};

describe('GET /v1/admin/providers', () => {
  it('names the environment variable an unconfigured provider lacks, and marks configured ones', async () => {
    const list = await providers();
    const ark = list.find((p) => p.name === 'ark')!;
    expect(ark).toMatchObject({ configured: false, missing_env: 'ARK_API_KEY' });
    expect(ark.routes.every((r) => !r.configured && r.missing_env === 'ARK_API_KEY')).toBe(true);
    expect(list.find((p) => p.name === 'openai')).toMatchObject({ configured: true, missing_env: null });
    expect(list.find((p) => p.name === 'local')).toMatchObject({ configured: true, missing_env: null });
  });

  it("counts each route's attempts by outcome with p50/p95 latency, and shows its circuit open until when", async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'fragile-image', prompt: 'ok' })).status).toBe(200);
    const route = async () => (await providers()).find((p) => p.name === 'openai')!.routes.find((r) => r.model === 'fragile-image')!;
    const healthy = await route();
    expect(healthy.id).toBe('fragile-image#0:openai');
    expect(healthy.attempts).toEqual({ ok: 1 });
    expect(healthy.latency_ms!.p50).toBeGreaterThan(0);
    expect(healthy.latency_ms!.p95).toBeGreaterThanOrEqual(healthy.latency_ms!.p50);
    expect(healthy.circuit).toEqual({ state: 'closed', failures: 0, open_until: null });

    openai.knobs.failNext = 2;
    for (const prompt of ['fail 1', 'fail 2'])
      expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'fragile-image', prompt })).status).toBeGreaterThanOrEqual(500);
    const broken = await route();
    const failed = Object.entries(broken.attempts).filter(([outcome]) => outcome !== 'ok');
    expect(broken.attempts.ok).toBe(1);
    expect(failed.reduce((s, [, n]) => s + n, 0)).toBe(2);
    expect(broken.latency_ms!.window).toBe(3);
    expect(broken.circuit.state).toBe('open');
    expect(Date.parse(broken.circuit.open_until!)).toBeGreaterThan(Date.now() + 30_000);
  });

  it('never shows a credential', async () => {
    const res = await fetch(`${gw.url}/v1/admin/providers`, { headers: { authorization: `Bearer ${'sk-ig-test-admin-key-0123456789'}` } });
    expect(await res.text()).not.toContain(OPENAI_SECRET);
  });
});

describe('GET /v1/admin/models', () => {
  it('lists every catalog model, and says why an unavailable one is: the missing variable per route', async () => {
    const res = await gw.admin('/v1/admin/models');
    expect(res.status).toBe(200);
    const models = res.body.data as Array<Record<string, unknown>>;
    const seedream = models.find((m) => m.id === 'doubao-seedream-4-0-250828')!;
    expect(seedream).toMatchObject({ available: false, providers: ['ark'] });
    expect(seedream.unavailable_because).toEqual([{ route: 'doubao-seedream-4-0-250828#0:ark', provider: 'ark', missing_env: 'ARK_API_KEY' }]);
    const fragile = models.find((m) => m.id === 'fragile-image')!;
    expect(fragile).toMatchObject({ available: true, providers: ['openai'], operations: ['text-to-image'], price: { per_image: 1000 } });
    expect(fragile.unavailable_because).toBeUndefined();
    // The client's list offers only the available ones; the admin's has the rest too.
    const offered = (await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${(await gw.clientKey()).key}` } })).json()) as {
      data: unknown[];
    };
    expect(models.length).toBeGreaterThan(offered.data.length);
    expect(JSON.stringify(res.body)).not.toContain(OPENAI_SECRET);
  });

  it("carries each model's public contract, the one clients read at GET /v1/models/{id}, for unavailable models too", async () => {
    const models = (await gw.admin('/v1/admin/models')).body.data as Array<{ id: string; public_contract?: unknown }>;
    const { key } = await gw.clientKey();
    const client = (await (await fetch(`${gw.url}/v1/models/fragile-image`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      imagegate: { public_contract: unknown };
    };
    expect(models.find((m) => m.id === 'fragile-image')!.public_contract).toEqual(client.imagegate.public_contract);
    const seedream = models.find((m) => m.id === 'doubao-seedream-4-0-250828')!.public_contract as { operations: Array<{ endpoint: string }> };
    expect(seedream.operations.length).toBeGreaterThan(0);
  });
});
