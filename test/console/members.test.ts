/**
 * The member API: a member sees and changes their own account only (tested with two accounts, each with a
 * member, a key, requests, a task and ledger entries), and makes keys within the account's key policy. On
 * SQLite and (when configured) PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, makeUser, signIn } from '../support/console.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

const OVERLAY = `
models:
  priced-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    sizes: { values: [16x16] }
    price: { per_image: 40000 }
  other-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    sizes: { values: [16x16] }
    price: { per_image: 10000 }
`;

type Row = Record<string, any>;

interface Tenant {
  accountId: string;
  key: string;
  keyId: string;
  requestId: string;
  taskId: string;
  member: BrowserSession;
}

for (const db of databases()) {
  describe(`member API (${db.name})`, () => {
    let gw: TestGateway;
    let a: Tenant;
    let b: Tenant;
    let n = 0;

    const tenant = async (): Promise<Tenant> => {
      const k = await gw.clientKey({ balance: 1_000_000 });
      const sync = await postJson(`${gw.url}/v1/images/generations`, k.key, { model: 'priced-local', prompt: 'p', size: '16x16' });
      expect(sync.status).toBe(200);
      const task = await postJson(`${gw.url}/v1/images/generations`, k.key, { model: 'priced-local', prompt: 'p', size: '16x16' }, { prefer: 'respond-async' });
      const user = await makeUser(gw, { email: `member${++n}@members.test`, role: 'member', account_id: k.accountId });
      return { ...k, requestId: sync.headers.get('x-request-id')!, taskId: task.body.id as string, member: await signIn(gw, user) };
    };

    beforeAll(async () => {
      const made = await db.make();
      gw = await startGateway({ overlay: OVERLAY, databaseUrl: made.databaseUrl, dataDir: made.dataDir });
      a = await tenant();
      b = await tenant();
      await until(async () => (await gw.admin(`/v1/admin/tasks/${b.taskId}`)).body.status === 'succeeded');
    });
    afterAll(() => gw?.close());

    it('shows the member their own account: balance, held, spend this month and the key policy', async () => {
      const r = await a.member.call('/v1/console/account');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        id: a.accountId,
        object: 'account',
        currency: expect.any(String),
        unit: 'micro',
        held: expect.any(Number),
        key_policy: { models: null, max_rpm: null, max_ipm: null, max_concurrency: null, allow_drop_unsupported: true, allow_callback_url: true },
      });
      await until(async () => (await a.member.call('/v1/console/account')).body.spend_this_month === 80_000);
      expect(r.body.balance + r.body.held).toBeLessThanOrEqual(1_000_000 - 40_000);
    });

    it("lists only the member's own requests, and another account's request is not found", async () => {
      const mine = await a.member.call('/v1/console/account/requests?limit=200');
      expect(mine.status).toBe(200);
      const ids = mine.body.data.map((r: Row) => r.id);
      expect(ids).toContain(a.requestId);
      expect(ids).not.toContain(b.requestId);
      expect(mine.body.data.every((r: Row) => r.account_id === a.accountId)).toBe(true);
      // A filter naming another account's key or id finds nothing: the account is the session's.
      expect((await a.member.call(`/v1/console/account/requests?key_id=${b.keyId}`)).body.data).toEqual([]);
      expect((await a.member.call(`/v1/console/account/requests?account_id=${b.accountId}`)).body.data.map((r: Row) => r.account_id)).not.toContain(
        b.accountId,
      );
      expect((await a.member.call(`/v1/console/account/requests/${a.requestId}`)).body).toMatchObject({ id: a.requestId, request_shape: expect.any(Object) });
      expect((await a.member.call(`/v1/console/account/requests/${b.requestId}`)).status).toBe(404);
      // Nor can another account's row serve as a paging cursor.
      expect((await a.member.call(`/v1/console/account/requests?after=${b.requestId}`)).body.error.param).toBe('after');
    });

    it("lists only the member's own tasks; another account's task cannot be read or canceled", async () => {
      const mine = await a.member.call('/v1/console/account/tasks');
      expect(mine.body.data.map((t: Row) => t.id)).toEqual([a.taskId]);
      expect((await a.member.call(`/v1/console/account/tasks/${a.taskId}`)).body).toMatchObject({ id: a.taskId, account_id: a.accountId });
      expect((await a.member.call(`/v1/console/account/tasks/${b.taskId}`)).status).toBe(404);
      const cancel = await a.member.call(`/v1/console/account/tasks/${b.taskId}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(404);
      expect((await gw.admin(`/v1/admin/tasks/${b.taskId}`)).body.status).toBe('succeeded');
    });

    it("shows only the member's own ledger and usage", async () => {
      const ledger = await a.member.call('/v1/console/account/ledger?limit=200');
      expect(ledger.body.data.length).toBeGreaterThan(1);
      expect(ledger.body.data.every((e: Row) => e.account_id === a.accountId)).toBe(true);
      const bEntry = (await gw.admin(`/v1/admin/ledger?account_id=${b.accountId}&limit=1`)).body.data[0].id;
      expect((await a.member.call(`/v1/console/account/ledger?after=${bEntry}`)).status).toBe(400);
      const usage = await a.member.call('/v1/console/account/usage?group_by=day,model,key');
      expect(usage.status).toBe(200);
      expect(usage.body.data.length).toBeGreaterThan(0);
      expect(usage.body.data.every((r: Row) => r.key_id === a.keyId)).toBe(true);
      const byAccount = await a.member.call('/v1/console/account/usage?group_by=account');
      expect(byAccount.body.error).toMatchObject({ param: 'group_by' });
    });

    it("lists only the member's own client keys, and cannot revoke another account's key", async () => {
      const keys = await a.member.call('/v1/console/account/keys');
      expect(keys.body.data.map((k: Row) => k.id)).toEqual([a.keyId]);
      const revoke = await a.member.call(`/v1/console/account/keys/${b.keyId}/revoke`, { method: 'POST' });
      expect(revoke.status).toBe(404);
      expect((await gw.balance(b.key)).available).toBeGreaterThan(0);
      const adminKeys = (await gw.admin('/v1/admin/keys?admin=true')).body.data;
      expect((await a.member.call(`/v1/console/account/keys/${adminKeys[0].id}/revoke`, { method: 'POST' })).status).toBe(404);
    });

    it("creates a key for the member's account (secret shown once, audited with the member) and revokes it", async () => {
      const made = await a.member.call('/v1/console/account/keys', { body: { name: 'Playground', expires_at: Math.floor(Date.now() / 1000) + 3600 } });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ account_id: a.accountId, admin: false, name: 'Playground', key: expect.stringMatching(/^sk-ig-/) });
      expect((await gw.balance(made.body.key)).available).toBeGreaterThan(0);
      const audit = (await gw.admin(`/v1/admin/audit?target_id=${made.body.id}`)).body.data;
      expect(audit[0]).toMatchObject({ action: 'key.create', actor: a.member.view.user!.id });
      const revoked = await a.member.call(`/v1/console/account/keys/${made.body.id}/revoke`, { method: 'POST' });
      expect(revoked.body).toMatchObject({ id: made.body.id, status: 'revoked' });
      expect((await fetch(`${gw.url}/v1/balance`, { headers: { authorization: `Bearer ${made.body.key}` } })).status).toBe(401);
    });

    it('refuses an admin key or a key for another account, naming the field', async () => {
      for (const extra of [{ admin: true }, { account_id: b.accountId }]) {
        const r = await a.member.call('/v1/console/account/keys', { body: { name: 'x', ...extra } });
        expect(r.status).toBe(400);
        expect(r.body.error.param).toBe(Object.keys(extra)[0]);
      }
    });

    describe('with a key policy', () => {
      beforeAll(async () => {
        const r = await gw.admin(`/v1/admin/accounts/${a.accountId}`, {
          method: 'PATCH',
          body: {
            key_policy: { models: ['priced-local'], max_rpm: 60, max_ipm: 10, max_concurrency: 2, allow_drop_unsupported: false, allow_callback_url: false },
          },
        });
        expect(r.status).toBe(200);
        expect(r.body.key_policy).toMatchObject({ models: ['priced-local'], max_rpm: 60 });
      });
      afterAll(async () => {
        await gw.admin(`/v1/admin/accounts/${a.accountId}`, { method: 'PATCH', body: { key_policy: null } });
      });

      it('makes a key within the policy, taking its caps for the limits left out', async () => {
        const r = await a.member.call('/v1/console/account/keys', { body: { name: 'within', rpm: 30 } });
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({ models: ['priced-local'], rpm: 30, ipm: 10, max_concurrency: 2, drop_unsupported: false, callback_url: null });
        const other = await postJson(`${gw.url}/v1/images/generations`, r.body.key, { model: 'other-local', prompt: 'p', size: '16x16' });
        expect(other.status).toBe(403);
      });

      it('refuses each attribute beyond the policy with a 400 naming it', async () => {
        const cases: Array<[Record<string, unknown>, string]> = [
          [{ models: ['other-local'] }, 'models'],
          [{ models: null }, 'models'],
          [{ rpm: 61 }, 'rpm'],
          [{ rpm: null }, 'rpm'],
          [{ ipm: 11 }, 'ipm'],
          [{ max_concurrency: 3 }, 'max_concurrency'],
          [{ drop_unsupported: true }, 'drop_unsupported'],
          [{ callback_url: 'https://hooks.example/x' }, 'callback_url'],
        ];
        for (const [attrs, param] of cases) {
          const r = await a.member.call('/v1/console/account/keys', { body: { name: 'beyond', ...attrs } });
          expect(r.status, JSON.stringify(attrs)).toBe(400);
          expect(r.body.error, JSON.stringify(attrs)).toMatchObject({ code: 'invalid_request', param });
        }
        const after = await a.member.call('/v1/console/account/keys?limit=200');
        expect(after.body.data.map((k: Row) => k.name)).not.toContain('beyond');
      });

      it('shows the member the policy, audits its change, and refuses a malformed one naming the field', async () => {
        expect((await a.member.call('/v1/console/account')).body.key_policy).toMatchObject({ models: ['priced-local'], allow_callback_url: false });
        const audit = (await gw.admin(`/v1/admin/audit?target_id=${a.accountId}&action=account.update`)).body.data;
        expect(audit[0].diff.key_policy.max_rpm).toBe(60);
        const bad = await gw.admin(`/v1/admin/accounts/${a.accountId}`, { method: 'PATCH', body: { key_policy: { max_rpm: -1 } } });
        expect(bad.status).toBe(400);
        expect(bad.body.error.param).toBe('key_policy.max_rpm');
      });
    });
  });
}
