import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize } from '../fakes/images.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue as until } from '../support/wait.js';

const OVERLAY = `
models:
  priced-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [16x16, 32x32] }
    price: { per_image: 40000 }
  async-local:
    owned_by: test
    mode: async
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    sizes: { values: [16x16] }
    price: { per_image: 10000 }
`;

describe.each(databases())('async tasks on $name', ({ make }) => {
  let gw: TestGateway;
  let hook: ReturnType<typeof createServer>;
  let hookUrl = '';
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let failFirst = 0;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (failFirst > 0) {
          failFirst--;
          res.writeHead(500).end('not yet');
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    hookUrl = `http://127.0.0.1:${port}/hook`;
    const db = await make();
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { IMAGEGATE_URL_ALLOWLIST: `127.0.0.1:${port}`, IMAGEGATE_WEBHOOK_BASE_DELAY_MS: '50' },
    });
  });
  afterAll(async () => {
    await gw?.close();
    hook?.close();
  });

  const gen = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(`${gw.url}/v1/images/generations`, key, { model: 'priced-local', prompt: 'p', size: '16x16', ...body }, headers);
  const getTask = async (key: string, id: string, path = '/v1/tasks/') => {
    const res = await fetch(`${gw.url}${path}${id}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('answers Prefer: respond-async with 202 and a pending task, then the task succeeds with hosted images and billing', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const res = await gen(key, { n: 2 }, { prefer: 'respond-async' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ object: 'image.task', status: 'pending', model: 'priced-local' });
    expect(res.body.id).toBe(res.body.task_id);
    expect(res.body.poll_url).toBe(`${gw.url}/v1/tasks/${res.body.id}`);
    const done = await until(
      () => getTask(key, res.body.id),
      (t) => t.body.status === 'succeeded',
    );
    expect(done.body.status).toBe('succeeded');
    expect(done.body.data).toHaveLength(2);
    expect(done.body.billing_transaction_id).toMatch(/^txn_/);
    const img = await fetch(done.body.data[0].url);
    expect(await imageSize(Buffer.from(await img.arrayBuffer()))).toMatchObject({ width: 16, height: 16 });
    const same = await getTask(key, res.body.id, '/v1/images/tasks/');
    expect(same.body.status).toBe('succeeded');
    const bal = await gw.balance(key);
    expect(bal).toMatchObject({ available: 920_000, held: 0 });
  });

  it('runs async when the body says "async": true, and for models whose catalog mode is async', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    expect((await gen(key, { async: true })).status).toBe(202);
    expect((await gen(key, { model: 'async-local' })).status).toBe(202);
  });

  it('validates and holds before queueing: a bad request is a 400 and an unfunded one a 402, with no task', async () => {
    const { key } = await gw.clientKey({ balance: 10_000 });
    expect((await gen(key, { size: 'big' }, { prefer: 'respond-async' })).status).toBe(400);
    expect((await gen(key, {}, { prefer: 'respond-async' })).status).toBe(402);
    const list = await (await fetch(`${gw.url}/v1/tasks`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(list.data).toHaveLength(0);
  });

  it('shows a task only to its own account', async () => {
    const a = await gw.clientKey({ balance: 1_000_000 });
    const b = await gw.clientKey({ balance: 1_000_000 });
    const res = await gen(a.key, {}, { prefer: 'respond-async' });
    expect((await getTask(b.key, res.body.id)).status).toBe(404);
    expect((await getTask(a.key, res.body.id)).status).toBe(200);
  });

  it("lists the caller's tasks newest first with a status filter and cursor pagination", async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await gen(key, {}, { prefer: 'respond-async' })).body.id);
    await until(
      () => getTask(key, ids[2]!),
      (t) => t.body.status === 'succeeded',
    );
    const auth = { headers: { authorization: `Bearer ${key}` } };
    const page1 = await (await fetch(`${gw.url}/v1/tasks?limit=2`, auth)).json();
    expect(page1.data.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = await (await fetch(`${gw.url}/v1/tasks?limit=2&after=${page1.last_id}`, auth)).json();
    expect(page2.data.map((t: { id: string }) => t.id)).toEqual([ids[0]]);
    expect(page2.has_more).toBe(false);
    const bad = await fetch(`${gw.url}/v1/tasks?status=done`, auth);
    expect(bad.status).toBe(400);
  });

  it('refuses to cancel a finished task and keeps its terminal status', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const res = await gen(key, {}, { prefer: 'respond-async' });
    await until(
      () => getTask(key, res.body.id),
      (t) => t.body.status === 'succeeded',
    );
    const cancel = await postJson(`${gw.url}/v1/tasks/${res.body.id}/cancel`, key, {});
    expect(cancel.status).toBe(400);
    expect((await getTask(key, res.body.id)).body.status).toBe('succeeded');
  });

  it('replays the same create for the same Idempotency-Key: 20 concurrent sends, one charge', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 1_000_000 });
    const sends = await Promise.all(Array.from({ length: 20 }, () => gen(key, { n: 1 }, { 'idempotency-key': 'order-42' })));
    expect(sends.every((r) => r.status === 200)).toBe(true);
    expect(new Set(sends.map((r) => r.body.data[0].b64_json)).size).toBe(1);
    expect(sends.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    const ledger = await gw.admin(`/v1/admin/ledger?account_id=${accountId}`);
    expect(ledger.body.data.filter((e: { kind: string }) => e.kind === 'hold')).toHaveLength(1);
    expect((await gw.balance(key)).available).toBe(960_000);
  });

  it('answers 409 for the same Idempotency-Key with a different body', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    expect((await gen(key, { prompt: 'one' }, { 'idempotency-key': 'k1' })).status).toBe(200);
    const other = await gen(key, { prompt: 'two' }, { 'idempotency-key': 'k1' });
    expect(other.status).toBe(409);
    expect(other.body.error.param).toBe('Idempotency-Key');
  });

  it('returns the same task for an async create retried with the same Idempotency-Key', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const a = await gen(key, {}, { prefer: 'respond-async', 'idempotency-key': 'task-1' });
    const b = await gen(key, {}, { prefer: 'respond-async', 'idempotency-key': 'task-1' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
  });

  it('delivers a signed webhook, retrying until the receiver accepts (4th attempt after 3 failures)', async () => {
    const { key, keyId } = await gw.clientKey({ balance: 1_000_000 });
    received.length = 0;
    failFirst = 3;
    const res = await gen(key, { callback_url: hookUrl }, { prefer: 'respond-async' });
    expect(res.status).toBe(202);
    await until(
      async () => received.length,
      (n) => n >= 4,
      15_000,
    );
    expect(received).toHaveLength(4);
    const last = received[3]!;
    const sig = String(last.headers['imagegate-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig)!;
    const secret = (await gw.gateway.keys.get(keyId))!.webhookSecret!;
    expect(createHmac('sha256', secret).update(`${t}.${last.body}`).digest('hex')).toBe(v1);
    expect(JSON.parse(last.body)).toMatchObject({ id: res.body.id, status: 'succeeded' });
    const task = await until(
      () => getTask(key, res.body.id),
      (x) => x.body.webhook?.status === 'delivered',
    );
    expect(task.body.webhook.attempts.map((a: { status: number }) => a.status)).toEqual([500, 500, 500, 204]);
  });

  it('refuses a callback_url on a private address with 400 naming callback_url', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const res = await gen(key, { callback_url: 'http://10.0.0.1/hook' }, { prefer: 'respond-async' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('callback_url');
  });
});
