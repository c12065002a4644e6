/**
 * The admin API's records for the console: request log search and detail, tasks across accounts, and the
 * audit log of every money or access change made through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { ADMIN_KEY, postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

const OVERLAY = `
models:
  priced-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [16x16, 32x32] }
    price: { per_image: 40000 }
  other-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    sizes: { values: [16x16] }
    price: { per_image: 10000 }
`;

type Row = Record<string, any>;

describe.each(databases())('admin console API on $name', ({ make }) => {
  let gw: TestGateway;
  let adminKeyId: string;

  beforeAll(async () => {
    const db = await make();
    gw = await startGateway({ overlay: OVERLAY, databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    const admins = await gw.admin('/v1/admin/keys?admin=true');
    adminKeyId = admins.body.data[0].id;
  });
  afterAll(async () => gw?.close());

  const gen = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(`${gw.url}/v1/images/generations`, key, { model: 'priced-local', prompt: 'p', size: '16x16', ...body }, headers);

  describe('request log', () => {
    let k: { key: string; keyId: string; accountId: string };
    let ok: string;
    let bad: string;
    let poor: string;

    beforeAll(async () => {
      k = await gw.clientKey({ balance: 50_000 });
      const r1 = await gen(k.key, {});
      expect(r1.status).toBe(200);
      ok = r1.headers.get('x-request-id')!;
      const r2 = await gen(k.key, { size: 'huge' });
      expect(r2.status).toBe(400);
      bad = r2.headers.get('x-request-id')!;
      const r3 = await gen(k.key, { n: 4 });
      expect(r3.status).toBe(402);
      poor = r3.headers.get('x-request-id')!;
      // The success's row is written once its hold settled, on delivery.
      await until(async () => (await gw.admin(`/v1/admin/requests?key_id=${k.keyId}`)).body.data.length === 3);
    });

    it("lists a key's requests newest first: the refusal for balance, the 400, the success", async () => {
      const res = await gw.admin(`/v1/admin/requests?key_id=${k.keyId}`);
      expect(res.status).toBe(200);
      expect(res.body.data.map((r: Row) => [r.id, r.status])).toEqual([
        [poor, 402],
        [bad, 400],
        [ok, 200],
      ]);
      expect(res.body.has_more).toBe(false);
    });

    it('filters by status, error code, model, account and request id', async () => {
      const ids = async (q: string) => (await gw.admin(`/v1/admin/requests?${q}`)).body.data.map((r: Row) => r.id);
      expect(await ids(`account_id=${k.accountId}&status=400`)).toEqual([bad]);
      expect(await ids(`account_id=${k.accountId}&error_code=insufficient_balance`)).toEqual([poor]);
      expect(await ids(`account_id=${k.accountId}&model=other-local`)).toEqual([]);
      expect(await ids(`id=${ok}`)).toEqual([ok]);
    });

    it('pages with after = the last id of the previous page', async () => {
      const first = await gw.admin(`/v1/admin/requests?account_id=${k.accountId}&limit=2`);
      expect(first.body.data.map((r: Row) => r.id)).toEqual([poor, bad]);
      expect(first.body.has_more).toBe(true);
      expect(first.body.last_id).toBe(bad);
      const second = await gw.admin(`/v1/admin/requests?account_id=${k.accountId}&limit=2&after=${first.body.last_id}`);
      expect(second.body.data.map((r: Row) => r.id)).toEqual([ok]);
      expect(second.body.has_more).toBe(false);
    });

    it('filters by time range, in unix seconds or ISO dates', async () => {
      const future = Math.floor(Date.now() / 1000) + 3600;
      expect((await gw.admin(`/v1/admin/requests?account_id=${k.accountId}&from=${future}`)).body.data).toEqual([]);
      expect((await gw.admin(`/v1/admin/requests?account_id=${k.accountId}&to=${future}`)).body.data).toHaveLength(3);
      expect((await gw.admin(`/v1/admin/requests?account_id=${k.accountId}&from=2000-01-01`)).body.data).toHaveLength(3);
    });

    it('refuses a bad filter naming the parameter: limit over 200, a status that is no HTTP code, a date, an unknown cursor', async () => {
      for (const [q, param] of [
        ['limit=201', 'limit'],
        ['status=ok', 'status'],
        ['from=yesterday', 'from'],
        ['after=req_nosuchrow', 'after'],
      ]) {
        const res = await gw.admin(`/v1/admin/requests?${q}`);
        expect(res.status, q).toBe(400);
        expect(res.body.error.param, q).toBe(param);
      }
    });

    it("lists client traffic apart from the admin API's and the console's own calls (traffic=client|admin)", async () => {
      const signIn = await fetch(`${gw.url}/v1/console/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ admin_key: ADMIN_KEY }),
      });
      expect(signIn.status).toBe(200);
      const signInId = signIn.headers.get('x-request-id')!;
      // The console's public config is the console's call too, though anyone may make it.
      const configId = (await fetch(`${gw.url}/v1/console/config`)).headers.get('x-request-id')!;
      const adminCalls = async () => (await gw.admin('/v1/admin/requests?traffic=admin&limit=200')).body.data as Row[];
      // The rows are written once their answers have gone out.
      await until(async () => {
        const ids = (await adminCalls()).map((r) => r.id);
        return ids.includes(signInId) && ids.includes(configId);
      });
      const operators = await adminCalls();
      expect(operators.every((r) => /^\/v1\/(admin|console)\//.test(r.endpoint) && r.traffic === 'admin')).toBe(true);
      const client = (await gw.admin('/v1/admin/requests?traffic=client&limit=200')).body.data as Row[];
      expect(client.map((r) => r.id)).toEqual(expect.arrayContaining([ok, bad, poor]));
      expect(client.some((r) => /^\/v1\/(admin|console)\//.test(r.endpoint))).toBe(false);
      const wrong = await gw.admin('/v1/admin/requests?traffic=robots');
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.param).toBe('traffic');
    });

    it('shows a request in detail: sanitized shape, route, latency, images, amount and billing transaction', async () => {
      const res = await gw.admin(`/v1/admin/requests/${ok}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: ok, status: 200, model: 'priced-local', images: 1, amount: 40_000, key_id: k.keyId, account_id: k.accountId });
      expect(res.body.route).toBeTruthy();
      expect(res.body.billing_transaction_id).toMatch(/^txn_/);
      expect(typeof res.body.latency_ms).toBe('number');
      expect(res.body.request_shape).toBeTruthy();
      expect(JSON.stringify(res.body)).not.toContain(k.key);
      const missing = await gw.admin('/v1/admin/requests/req_nosuchrow');
      expect(missing.status).toBe(404);
      expect(missing.body.error.param).toBe('id');
    });

    it('shows a request refused for a bad field with the message the client got, and what it sent', async () => {
      const res = await gw.admin(`/v1/admin/requests/${bad}`);
      expect(res.body).toMatchObject({ status: 400, error_code: 'invalid_request', model: 'priced-local' });
      expect(res.body.error_message).toMatch(/size/);
      expect(res.body.request_shape).toMatchObject({ model: 'priced-local', size: 'huge' });
      const ok200 = await gw.admin(`/v1/admin/requests/${ok}`);
      expect(ok200.body.error_message).toBeNull();
    });

    it("keeps a refused request's secrets out of the log, by field name", async () => {
      const r = await gen(k.key, { size: 'huge', api_key: 'sk-live-should-not-be-kept', webhook_secret: 'whsec-nope' });
      const row = await gw.admin(`/v1/admin/requests/${r.headers.get('x-request-id')}`);
      expect(row.body.request_shape).toMatchObject({ api_key: '[redacted]', webhook_secret: '[redacted]' });
      expect(JSON.stringify(row.body)).not.toMatch(/should-not-be-kept|whsec-nope/);
    });
  });

  describe('tasks across accounts', () => {
    it("lists every account's tasks newest first, filtered by account, status and model, with cursor pagination", async () => {
      const a = await gw.clientKey({ balance: 1_000_000 });
      const b = await gw.clientKey({ balance: 1_000_000 });
      const t1 = (await gen(a.key, {}, { prefer: 'respond-async' })).body.id;
      const t2 = (await gen(b.key, { model: 'other-local' }, { prefer: 'respond-async' })).body.id;
      const t3 = (await gen(a.key, {}, { prefer: 'respond-async' })).body.id;
      const both = `account_id=${a.accountId}`;
      const all = await gw.admin('/v1/admin/tasks?limit=200');
      const mine = all.body.data.map((t: Row) => t.id).filter((id: string) => [t1, t2, t3].includes(id));
      expect(mine).toEqual([t3, t2, t1]);
      const ofA = await gw.admin(`/v1/admin/tasks?${both}&limit=1`);
      expect(ofA.body.data.map((t: Row) => t.id)).toEqual([t3]);
      expect(ofA.body.data[0]).toMatchObject({ object: 'image.task', model: 'priced-local', account_id: a.accountId, key_id: a.keyId });
      const next = await gw.admin(`/v1/admin/tasks?${both}&limit=1&after=${ofA.body.last_id}`);
      expect(next.body.data.map((t: Row) => t.id)).toEqual([t1]);
      expect((await gw.admin(`/v1/admin/tasks?model=other-local`)).body.data.map((t: Row) => t.id)).toEqual([t2]);
      await until(async () => (await gw.admin(`/v1/admin/tasks?${both}&status=succeeded`)).body.data.length === 2);
      expect((await gw.admin(`/v1/admin/tasks?${both}&status=pending`)).body.data).toEqual([]);
      const badStatus = await gw.admin('/v1/admin/tasks?status=done');
      expect(badStatus.status).toBe(400);
      expect(badStatus.body.error.param).toBe('status');
    });
  });

  describe('audit log', () => {
    const auditOf = async (target: string) => (await gw.admin(`/v1/admin/audit?target_id=${target}`)).body.data as Row[];

    it('records account create, credit and debit with the admin key, the amount and the reason', async () => {
      const acct = (await gw.admin('/v1/admin/accounts', { body: { name: 'audited', credit: 700 } })).body;
      expect((await gw.admin(`/v1/admin/accounts/${acct.id}/credit`, { body: { amount: 300, note: 'goodwill' } })).status).toBe(200);
      expect((await gw.admin(`/v1/admin/accounts/${acct.id}/debit`, { body: { amount: 100, note: 'chargeback' } })).status).toBe(200);
      const rows = await auditOf(acct.id);
      expect(rows.map((r) => [r.action, r.amount, r.note])).toEqual([
        ['account.debit', -100, 'chargeback'],
        ['account.credit', 300, 'goodwill'],
        ['account.create', 700, null],
      ]);
      for (const r of rows) {
        expect(r.actor).toBe(adminKeyId);
        expect(r.actor_ip).toBe('127.0.0.1');
        expect(r.target).toEqual({ kind: 'account', id: acct.id });
      }
      expect(rows[2]!.diff).toEqual({ name: 'audited' });
    });

    it('refuses a credit or debit without a reason (param note), moving no money and writing no audit row', async () => {
      const acct = (await gw.admin('/v1/admin/accounts', { body: { name: 'no-reason', credit: 1000 } })).body;
      for (const kind of ['credit', 'debit']) {
        for (const body of [{ amount: 10 }, { amount: 10, note: '  ' }]) {
          const res = await gw.admin(`/v1/admin/accounts/${acct.id}/${kind}`, { body });
          expect(res.status).toBe(400);
          expect(res.body.error.param).toBe('note');
        }
      }
      expect((await gw.admin(`/v1/admin/accounts/${acct.id}`)).body.balance).toBe(1000);
      expect((await auditOf(acct.id)).map((r) => r.action)).toEqual(['account.create']);
    });

    it('writes no audit row for a debit the ledger refuses (the row commits with the money or not at all)', async () => {
      const acct = (await gw.admin('/v1/admin/accounts', { body: { name: 'overdraw' } })).body;
      const res = await gw.admin(`/v1/admin/accounts/${acct.id}/debit`, { body: { amount: 5, note: 'too much' } });
      expect(res.status).toBe(402);
      expect((await auditOf(acct.id)).map((r) => r.action)).toEqual(['account.create']);
    });

    it('records key create, update and revoke with the attributes set and never the secret', async () => {
      const acct = (await gw.admin('/v1/admin/accounts', { body: { name: 'keys' } })).body;
      const key = (await gw.admin('/v1/admin/keys', { body: { name: 'k', account_id: acct.id, rpm: 5 } })).body;
      await gw.admin(`/v1/admin/keys/${key.id}`, { method: 'PATCH', body: { rpm: 9, models: ['priced-local'] } });
      await gw.admin(`/v1/admin/keys/${key.id}/revoke`, { body: {} });
      const rows = await auditOf(key.id);
      expect(rows.map((r) => [r.action, r.diff])).toEqual([
        ['key.revoke', null],
        ['key.update', { rpm: 9, models: ['priced-local'] }],
        ['key.create', { account_id: acct.id, name: 'k', rpm: 5 }],
      ]);
      const text = JSON.stringify(rows);
      expect(text).not.toContain(key.key);
      expect(text).not.toContain(key.webhook_secret);
      expect(text).not.toContain(ADMIN_KEY);
    });

    it('filters by action and actor and pages with after', async () => {
      const acct = (await gw.admin('/v1/admin/accounts', { body: { name: 'pages' } })).body;
      for (const note of ['one', 'two', 'three']) await gw.admin(`/v1/admin/accounts/${acct.id}/credit`, { body: { amount: 1, note } });
      const q = `/v1/admin/audit?action=account.credit&actor=${adminKeyId}&target_id=${acct.id}`;
      const first = await gw.admin(`${q}&limit=2`);
      expect(first.body.data.map((r: Row) => r.note)).toEqual(['three', 'two']);
      expect(first.body.has_more).toBe(true);
      const second = await gw.admin(`${q}&limit=2&after=${first.body.last_id}`);
      expect(second.body.data.map((r: Row) => r.note)).toEqual(['one']);
      expect((await gw.admin(`/v1/admin/audit?actor=key_nobody`)).body.data).toEqual([]);
      const bad = await gw.admin('/v1/admin/audit?action=account.delete');
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe('action');
    });
  });
});
