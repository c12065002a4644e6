/**
 * GET /metrics: Prometheus text for the operator (admin key only), counting what the request log records,
 * with bounded labels, and reading open holds and queued tasks at scrape time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';
import { ADMIN_KEY, postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue } from '../support/wait.js';
import { openaiImageModel, overlayOf } from '../support/overlays.js';

const METERED_LOCAL = `  metered-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [16x16] }
    price: { per_image: 2500 }
`;
/** Only ever run as async tasks here, so its series count tasks alone. */
const TASK_LOCAL = METERED_LOCAL.replace('metered-local:', 'task-local:');
const OVERLAY = overlayOf(METERED_LOCAL, TASK_LOCAL, openaiImageModel('slow-image', 100));

let gw: TestGateway;
let openai: OpenAIFake;

beforeAll(async () => {
  openai = await startOpenAIFake();
  gw = await startGateway({ overlay: OVERLAY, env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${openai.url}/v1` } });
});
afterAll(async () => {
  await gw?.close();
  await openai?.close();
});

const scrape = async (key = ADMIN_KEY, on = gw) => {
  const res = await fetch(`${on.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
/** The value of one sample line, e.g. `imagegate_images_total{model="m",provider_route="r"}`; undefined when absent. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const TASK_IMAGES = 'imagegate_images_total{model="task-local",provider_route="task-local#0:local"}';
const TASK_CHARGED = 'imagegate_charged_micros_total{model="task-local"}';

/** Submits an async task-local job of n images on `on`; its task id. */
async function submitTask(on: TestGateway, key: string, n: number): Promise<string> {
  const res = await postJson(`${on.url}/v1/images/generations`, key, { model: 'task-local', prompt: 'later', size: '16x16', n }, { prefer: 'respond-async' });
  expect(res.status).toBe(202);
  return (res.body as { id: string }).id;
}

/** Waits until every task has succeeded (asserting that it did). */
async function allSucceeded(on: TestGateway, key: string, ids: string[]): Promise<void> {
  const status = async (id: string) =>
    ((await (await fetch(`${on.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string }).status;
  const statuses = await pollValue(
    () => Promise.all(ids.map(status)),
    (all) => all.every((s) => s === 'succeeded'),
    20_000,
  );
  expect(statuses).toEqual(ids.map(() => 'succeeded'));
}

describe('GET /metrics', () => {
  it('answers the admin key only', async () => {
    const { key } = await gw.clientKey({ balance: 0 });
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    expect((await scrape(key)).status).toBe(403);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts requests by route, status and catalog model, and the images and money they delivered', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'metered-local', prompt: 'a', size: '16x16', n: 3 })).status).toBe(200);
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'metered-local', prompt: 'b', size: '16x16' })).status).toBe(200);
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'metered-local', prompt: 'c', size: '99x99' })).status).toBe(400);
    const { text } = await scrape();
    expect(sample(text, 'imagegate_requests_total{route="/v1/images/generations",status="200",model="metered-local"}')).toBe(2);
    expect(sample(text, 'imagegate_images_total{model="metered-local",provider_route="metered-local#0:local"}')).toBe(4);
    expect(sample(text, 'imagegate_charged_micros_total{model="metered-local"}')).toBe(4 * 2500);
    expect(sample(text, 'imagegate_request_duration_seconds_count{route="/v1/images/generations"}')).toBeGreaterThanOrEqual(3);
    // The refused one is counted under its status; whether it names the model depends on how far it got.
    expect(text).toMatch(/imagegate_requests_total\{route="\/v1\/images\/generations",status="400",model="[^"]*"\} 1/);
  });

  it('never makes a label of what a client typed: an unknown model or path stays out of the series', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'no-such-model-xyz', prompt: 'a' })).status).toBe(404);
    expect((await fetch(`${gw.url}/v1/no-such-path-xyz`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(404);
    const { text } = await scrape();
    expect(text).not.toContain('xyz');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain('route="/metrics"');
  });

  it('reads open holds and running tasks when scraped', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    openai.knobs.latencyMs = 1500;
    try {
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'slow-image', prompt: 'slow' }, { prefer: 'respond-async' });
      expect(res.status).toBe(202);
      const scrapeUntil = (done: (text: string) => boolean) => pollValue(async () => (await scrape()).text, done, 10_000);
      const during = await scrapeUntil((t) => sample(t, 'imagegate_tasks{status="running"}') === 1);
      expect(sample(during, 'imagegate_tasks{status="running"}')).toBe(1);
      expect(sample(during, 'imagegate_open_holds')).toBe(1);
      const after = await scrapeUntil((t) => sample(t, 'imagegate_open_holds') === 0);
      expect(sample(after, 'imagegate_open_holds')).toBe(0);
      expect(sample(after, 'imagegate_tasks{status="running"}')).toBe(0);
    } finally {
      openai.knobs.latencyMs = 0;
    }
  });

  it('counts each upstream attempt by provider and outcome, with its duration', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const before = (await scrape()).text;
    const count = (t: string, outcome: string) => sample(t, `imagegate_upstream_attempts_total{provider="openai",outcome="${outcome}"}`) ?? 0;
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'slow-image', prompt: 'fine' })).status).toBe(200);
    openai.knobs.failNext = 1;
    openai.knobs.failStatus = 500;
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'slow-image', prompt: 'broken' })).status).toBe(502);
    const after = (await scrape()).text;
    expect(count(after, 'ok') - count(before, 'ok')).toBe(1);
    expect(count(after, 'upstream_error') - count(before, 'upstream_error')).toBe(1);
    const durations = (t: string) => sample(t, 'imagegate_upstream_duration_seconds_count{provider="openai"}') ?? 0;
    expect(durations(after) - durations(before)).toBe(2);
  });

  it('counts the images and money of an async task once it succeeds, under the labels of a request', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    await allSucceeded(gw, key, [await submitTask(gw, key, 2), await submitTask(gw, key, 1)]);
    // The success is counted right after it is recorded; a poll may see the task a moment earlier.
    const text = await pollValue(
      async () => (await scrape()).text,
      (t) => sample(t, TASK_CHARGED) === 3 * 2500,
      2_000,
    );
    expect(sample(text, TASK_IMAGES)).toBe(3);
    expect(sample(text, TASK_CHARGED)).toBe(3 * 2500);
  });

  it("shows each provider's upstream calls in flight and waiting, its max_concurrency, and how long calls waited for a slot", async () => {
    const one = await startGateway({
      overlay: OVERLAY.replace('openai: { retries: 0 }', 'openai: { retries: 0, max_concurrency: 1 }'),
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${openai.url}/v1` },
    });
    openai.knobs.latencyMs = 1500;
    try {
      const { key } = await one.clientKey({ balance: 1_000_000 });
      const two = [0, 1].map(() => postJson(`${one.url}/v1/images/generations`, key, { model: 'slow-image', prompt: 'queued' }));
      const during = await pollValue(
        async () => (await scrape(ADMIN_KEY, one)).text,
        (t) => sample(t, 'imagegate_upstream_calls_waiting{provider="openai"}') === 1,
        10_000,
      );
      expect(sample(during, 'imagegate_upstream_calls_in_flight{provider="openai"}')).toBe(1);
      expect(sample(during, 'imagegate_upstream_calls_waiting{provider="openai"}')).toBe(1);
      expect(sample(during, 'imagegate_upstream_max_concurrency{provider="openai"}')).toBe(1);
      expect((await Promise.all(two)).map((r) => r.status)).toEqual([200, 200]);
      const after = (await scrape(ADMIN_KEY, one)).text;
      expect(sample(after, 'imagegate_upstream_calls_in_flight{provider="openai"}')).toBe(0);
      expect(sample(after, 'imagegate_upstream_slot_wait_seconds_count{provider="openai"}')).toBe(2);
      // The second call waited for the first one's slot: about the upstream's latency.
      expect(sample(after, 'imagegate_upstream_slot_wait_seconds_sum{provider="openai"}')).toBeGreaterThan(1);
    } finally {
      openai.knobs.latencyMs = 0;
      await one.close();
    }
  });

  it("includes the process's own figures", async () => {
    const { text } = await scrape();
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
  });
});

describe.skipIf(!PG_URL)('GET /metrics with two instances sharing PostgreSQL', () => {
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    const databaseUrl = await freshPostgres();
    for (let i = 0; i < 2; i++) gateways.push(await startGateway({ overlay: OVERLAY, databaseUrl, dataDir: tempDir() }));
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
  });

  it('counts each async task once, on the instance that recorded its success, whichever ran it', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const { key } = await a.clientKey({ balance: 1_000_000 });
    const TASKS = 12;
    const ids = await Promise.all(Array.from({ length: TASKS }, (_, i) => submitTask(i % 2 ? b : a, key, 2)));
    await allSucceeded(a, key, ids);
    const total = async (series: string) => {
      const texts = await Promise.all(gateways.map(async (g) => (await scrape(ADMIN_KEY, g)).text));
      return texts.reduce((sum, t) => sum + (sample(t, series) ?? 0), 0);
    };
    await pollValue(
      () => total(TASK_CHARGED),
      (v) => v === TASKS * 2 * 2500,
      2_000,
    );
    expect(await total(TASK_IMAGES)).toBe(TASKS * 2);
    expect(await total(TASK_CHARGED)).toBe(TASKS * 2 * 2500);
  });
});
