/**
 * Sign-up in the console in each IMAGEGATE_SIGNUP mode, and the invites it takes: on SQLite and (when
 * configured) PostgreSQL. An invite is single use even when two people use it at the same moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../../src/billing/sign-up.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { ConsoleUserStore } from '../../src/store/console-users.js';
import { InviteStore } from '../../src/store/invites.js';
import { hashSecret } from '../../src/store/keys.js';
import { hashPassword } from '../../src/store/password-hash.js';
import type { BrowserSession } from '../support/console.js';
import { databases } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const PASSWORD = 'correct horse battery staple';
let n = 0;
const email = () => `signup${++n}-${Date.now().toString(36)}@example.test`;

async function signUpRaw(gw: TestGateway, body: Record<string, unknown>) {
  const res = await fetch(`${gw.url}/v1/console/sign-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD, ...body }),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** The signed-up member's browser session, from the sign-up answer's cookie. */
function sessionOf(gw: TestGateway, r: Awaited<ReturnType<typeof signUpRaw>>): Pick<BrowserSession, 'call'> {
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    async call(path) {
      const res = await fetch(`${gw.url}${path}`, { headers: { cookie } });
      return { status: res.status, body: (await res.json()) as any, headers: res.headers };
    },
  };
}

const invite = async (gw: TestGateway, body: Record<string, unknown> = {}) => {
  const r = await gw.admin('/v1/admin/invites', { body });
  expect(r.status).toBe(201);
  return r.body as { id: string; token: string; url: string; account_id: string | null };
};

for (const db of databases()) {
  describe(`console sign-up (${db.name})`, () => {
    const gateways: Partial<Record<'off' | 'invite' | 'open', TestGateway>> = {};
    const gw = (mode: 'off' | 'invite' | 'open') => gateways[mode]!;

    beforeAll(async () => {
      for (const mode of ['off', 'invite', 'open'] as const) {
        const made = await db.make();
        gateways[mode] = await startGateway({
          databaseUrl: made.databaseUrl,
          dataDir: made.dataDir,
          env: { IMAGEGATE_SIGNUP: mode, IMAGEGATE_SIGNUP_CREDIT: '2500000' },
        });
      }
    });
    afterAll(async () => {
      for (const g of Object.values(gateways)) await g?.close();
    });

    it('tells the sign-in page the sign-up mode before anyone is signed in', async () => {
      for (const mode of ['off', 'invite', 'open'] as const) {
        const res = await fetch(`${gw(mode).url}/v1/console/config`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ signup: mode });
      }
    });

    it('refuses sign-up when it is off, even with a valid invite', async () => {
      const acct = await gw('off').clientKey();
      const inv = await invite(gw('off'), { account_id: acct.accountId });
      const r = await signUpRaw(gw('off'), { email: email(), invite: inv.token });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('permission_denied');
      expect(r.headers.get('set-cookie')).toBeNull();
      const users = await gw('off').gateway.db.kysely.selectFrom('console_users').selectAll().execute();
      expect(users).toEqual([]);
    });

    it('refuses sign-up without an invite in invite mode, naming invite', async () => {
      const r = await signUpRaw(gw('invite'), { email: email() });
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ code: 'permission_denied', param: 'invite' });
    });

    it("signs a member up into the invite's account and signs them in; the invite is then used", async () => {
      const g = gw('invite');
      const acct = await g.clientKey({ balance: 7_000 });
      const inv = await invite(g, { account_id: acct.accountId });
      expect(inv.url).toBe(`${g.url}/console/sign-up?invite=${inv.token}`);
      const who = email();
      const r = await signUpRaw(g, { email: who, invite: inv.token });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ object: 'console.session', via: 'password', user: { email: who, role: 'member', account_id: acct.accountId } });
      const account = await sessionOf(g, r).call('/v1/console/account');
      expect(account.body).toMatchObject({ id: acct.accountId, balance: 7_000 });
      const listed = await g.admin(`/v1/admin/invites?state=used`);
      expect(listed.body.data.find((i: any) => i.id === inv.id)).toMatchObject({ state: 'used', used_by: r.body.user.id });
      // The token is stored only as its hash.
      const rows = await g.gateway.db.kysely.selectFrom('invites').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(inv.token);
      expect(rows.find((x) => x.id === inv.id)?.token_hash).toBe(hashSecret(inv.token));
    });

    it('gives an invite without an account a new account named after the email, with the sign-up credit', async () => {
      const g = gw('invite');
      const inv = await invite(g);
      const who = email();
      const r = await signUpRaw(g, { email: who, invite: inv.token });
      expect(r.status).toBe(200);
      const account = await sessionOf(g, r).call('/v1/console/account');
      expect(account.body).toMatchObject({ name: who, balance: 2_500_000, id: r.body.user.account_id });
    });

    it('signs up once when one invite is used by several people at the same moment; the others are told it was used', async () => {
      const g = gw('invite');
      const acct = await g.clientKey();
      const inv = await invite(g, { account_id: acct.accountId });
      const answers = await Promise.all(Array.from({ length: 5 }, () => signUpRaw(g, { email: email(), invite: inv.token })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409]);
      for (const refused of answers.filter((a) => a.status === 409)) {
        expect(refused.body.error).toMatchObject({ code: 'already_exists', param: 'invite' });
        expect(refused.body.error.message).toMatch(/already used/);
      }
      const members = await g.gateway.db.kysely.selectFrom('console_users').select('id').where('account_id', '=', acct.accountId).execute();
      expect(members).toHaveLength(1);
    });

    it('claims an invite once when its sign-up transactions run side by side (no password hashing to space them out)', async () => {
      const g = gw('invite');
      const db = g.gateway.db;
      const deps = { db, accounts: g.gateway.accounts, users: new ConsoleUserStore(db), invites: new InviteStore(db), auditLog: new AuditLog(db.kysely) };
      const inv = await invite(g);
      const passwordHash = await hashPassword(PASSWORD);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () => signUp(deps, { email: email(), passwordHash, invite: inv.token, open: false, credit: 1_000, ip: null })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((x) => x.status === 'rejected'))
        expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'already_exists', param: 'invite' });
      const made = await db.kysely
        .selectFrom('console_users')
        .innerJoin('invites', 'invites.used_by', 'console_users.id')
        .select('console_users.id')
        .where('invites.id', '=', inv.id)
        .execute();
      expect(made).toHaveLength(1);
      // The refused ones left no account and no credit behind.
      const credited = await db.kysely.selectFrom('ledger').select('account_id').where('note', '=', 'initial credit').where('amount', '=', 1_000).execute();
      expect(credited).toHaveLength(1);
    });

    it('refuses an expired or revoked invite saying why and when, and an unknown one as not found', async () => {
      const g = gw('invite');
      const expired = await invite(g);
      await g.gateway.db.kysely
        .updateTable('invites')
        .set({ expires_at: Date.UTC(2026, 0, 2) })
        .where('id', '=', expired.id)
        .execute();
      const r1 = await signUpRaw(g, { email: email(), invite: expired.token });
      expect(r1.status).toBe(400);
      expect(r1.body.error).toMatchObject({ code: 'invalid_request', param: 'invite' });
      expect(r1.body.error.message).toContain('expired (2026-01-02T00:00:00.000Z)');

      const revoked = await invite(g);
      const rv = await g.admin(`/v1/admin/invites/${revoked.id}/revoke`, { method: 'POST' });
      expect(rv.body).toMatchObject({ id: revoked.id, state: 'revoked' });
      const r2 = await signUpRaw(g, { email: email(), invite: revoked.token });
      expect(r2.status).toBe(400);
      expect(r2.body.error.message).toMatch(/revoked \(\d{4}-\d\d-\d\dT/);

      const r3 = await signUpRaw(g, { email: email(), invite: 'igi_not-a-real-invite' });
      expect(r3.status).toBe(404);
      expect(r3.body.error).toMatchObject({ code: 'not_found', param: 'invite' });
      const users = await g.gateway.db.kysely.selectFrom('console_users').select('email').execute();
      expect(users.length).toBeGreaterThan(0);
    });

    it('refuses an invite made for another email, naming email', async () => {
      const g = gw('invite');
      const inv = await invite(g, { email: 'Only.This@Example.Test' });
      const r = await signUpRaw(g, { email: email(), invite: inv.token });
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe('email');
      const ok = await signUpRaw(g, { email: 'only.this@example.test', invite: inv.token });
      expect(ok.status).toBe(200);
    });

    it('opens a new account with the configured credit in open mode, with its ledger entry and audit rows', async () => {
      const g = gw('open');
      const who = email();
      const r = await signUpRaw(g, { email: who });
      expect(r.status).toBe(200);
      const accountId = r.body.user.account_id as string;
      const account = await sessionOf(g, r).call('/v1/console/account');
      expect(account.body).toMatchObject({ id: accountId, name: who, balance: 2_500_000, spend_this_month: 0 });
      const ledger = await sessionOf(g, r).call('/v1/console/account/ledger');
      expect(ledger.body.data).toEqual([expect.objectContaining({ kind: 'credit', amount: 2_500_000, note: 'initial credit' })]);
      const audit = (await g.admin(`/v1/admin/audit?actor=${r.body.user.id}`)).body.data.map((a: any) => [a.action, a.target.id, a.amount]);
      expect(audit.sort()).toEqual(
        [
          ['account.create', accountId, 2_500_000],
          ['user.create', r.body.user.id, null],
        ].sort(),
      );
    });

    it('still takes an invite in open mode, and refuses an email that exists', async () => {
      const g = gw('open');
      const acct = await g.clientKey();
      const inv = await invite(g, { account_id: acct.accountId });
      const who = email();
      const r = await signUpRaw(g, { email: who, invite: inv.token });
      expect(r.body.user.account_id).toBe(acct.accountId);
      const again = await signUpRaw(g, { email: who });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'already_exists', param: 'email' });
    });

    it('limits sign-ups per email like sign-ins: the sixth attempt is refused with 429', async () => {
      const g = gw('open');
      const who = email();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await signUpRaw(g, { email: who })).status);
      expect(statuses).toEqual([200, 409, 409, 409, 409, 429]);
    });

    it('lists invites newest first with their state and pages them; revoking is audited', async () => {
      const g = gw('invite');
      const a = await invite(g);
      const b = await invite(g);
      const first = await g.admin('/v1/admin/invites?limit=1');
      expect(first.body).toMatchObject({ object: 'list', has_more: true, last_id: b.id });
      expect(first.body.data[0]).not.toHaveProperty('token');
      const second = await g.admin(`/v1/admin/invites?limit=1&after=${b.id}`);
      expect(second.body.data[0].id).toBe(a.id);
      await g.admin(`/v1/admin/invites/${a.id}/revoke`, { method: 'POST' });
      const audit = (await g.admin(`/v1/admin/audit?target_id=${a.id}`)).body.data.map((x: any) => x.action);
      expect(audit).toEqual(['invite.revoke', 'invite.create']);
      const bad = await g.admin('/v1/admin/invites?state=gone');
      expect(bad.body.error.param).toBe('state');
    });
  });
}
