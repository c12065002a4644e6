/**
 * Top-up codes end to end: operators make batches through the admin API, members redeem codes through their
 * console session, on SQLite and PostgreSQL. A code credits exactly once, however many redemptions race for it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, makeUser, signIn } from '../support/console.js';
import { databases } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

/** A member of a new account, signed in. */
async function member(gw: TestGateway): Promise<{ accountId: string; userId: string; session: BrowserSession }> {
  const acct = await gw.admin('/v1/admin/accounts', { body: { name: 'member account' } });
  const user = await makeUser(gw, { email: `${randomUUID()}@topup.test`, role: 'member', account_id: acct.body.id });
  return { accountId: acct.body.id, userId: user.id, session: await signIn(gw, user) };
}

async function batch(gw: TestGateway, body: Record<string, unknown>): Promise<{ batch_id: string; codes: Array<{ id: string; code: string }> }> {
  const r = await gw.admin('/v1/admin/topup-codes', { body });
  if (r.status !== 201) throw new Error(`batch create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const redeem = (s: BrowserSession, code: string) => s.call('/v1/console/account/redeem', { body: { code } });
const balanceOf = async (gw: TestGateway, accountId: string) => (await gw.admin(`/v1/admin/accounts/${accountId}`)).body.balance as number;
const ledgerOf = async (gw: TestGateway, accountId: string) =>
  (await gw.admin(`/v1/admin/ledger?account_id=${accountId}`)).body.data as Array<{ kind: string; amount: number; note: string }>;
const auditOf = async (gw: TestGateway, action: string, targetId: string) =>
  (await gw.admin(`/v1/admin/audit?action=${action}&target_id=${targetId}`)).body.data as Array<{
    actor: string;
    amount: number | null;
    diff: Record<string, unknown> | null;
  }>;
const codesOf = async (gw: TestGateway, query: string) => (await gw.admin(`/v1/admin/topup-codes?${query}`)).body;

for (const db of databases()) {
  describe(`top-up codes (${db.name})`, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      const made = await db.make();
      // Limits high enough that the races below reach the database: the guard has its own tests.
      gw = await startGateway({
        databaseUrl: made.databaseUrl,
        dataDir: made.dataDir,
        env: { IMAGEGATE_REDEEM_FAILURES_PER_ACCOUNT: '1000', IMAGEGATE_REDEEM_FAILURES_PER_IP: '1000' },
      });
    });
    afterAll(() => gw?.close());

    it('credits one of 50 concurrent redemptions of a code, and refuses the other 49 as already redeemed', async () => {
      const members = await Promise.all(Array.from({ length: 5 }, () => member(gw)));
      const b = await batch(gw, { amount: 2_500_000, count: 1 });
      const code = b.codes[0]!;
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => redeem(members[i % members.length]!.session, code.code)));

      const credited = answers.filter((a) => a.status === 200);
      expect(credited).toHaveLength(1);
      expect(credited[0]!.body).toMatchObject({ object: 'topup_redemption', code_id: code.id, amount: 2_500_000, balance: 2_500_000, unit: 'micro' });
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused).toHaveLength(49);
      for (const r of refused) {
        expect(r.status).toBe(409);
        expect(r.body.error).toMatchObject({ code: 'already_redeemed', param: 'code', reason: 'redeemed' });
        expect(r.body.error.message).toMatch(/already redeemed, on \d{4}-\d\d-\d\dT/);
      }

      const balances = await Promise.all(members.map((m) => balanceOf(gw, m.accountId)));
      expect(balances.filter((b) => b !== 0)).toEqual([2_500_000]);
      const topups = (await Promise.all(members.map((m) => ledgerOf(gw, m.accountId)))).flat().filter((e) => e.kind === 'topup');
      expect(topups).toEqual([expect.objectContaining({ amount: 2_500_000, note: `top-up code ${code.id}` })]);
      expect(await auditOf(gw, 'topup.redeem', code.id)).toHaveLength(1);
      expect((await codesOf(gw, `batch_id=${b.batch_id}`)).data[0].state).toBe('redeemed');
    });

    it('reads a code typed in lower case, with spaces and look-alike letters', async () => {
      const m = await member(gw);
      const { codes } = await batch(gw, { amount: 1_000, count: 1 });
      const typed = ` ${codes[0]!.code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l')} `;
      const r = await redeem(m.session, typed);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(await balanceOf(gw, m.accountId)).toBe(1_000);
    });

    it('refuses an unknown code with 404 naming the code field, and credits nothing', async () => {
      const m = await member(gw);
      for (const code of ['IG-0000-0000-0000-0000', 'not a code at all']) {
        const r = await redeem(m.session, code);
        expect(r.status).toBe(404);
        expect(r.body.error).toMatchObject({ code: 'not_found', param: 'code' });
        expect(r.body.error.message).not.toContain(code);
      }
      expect(await balanceOf(gw, m.accountId)).toBe(0);
    });

    it('refuses a voided code saying it was voided and when', async () => {
      const m = await member(gw);
      const { codes } = await batch(gw, { amount: 1_000, count: 1 });
      const voided = await gw.admin(`/v1/admin/topup-codes/${codes[0]!.id}/void`, { method: 'POST' });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({ id: codes[0]!.id, object: 'topup_code', state: 'voided' });
      const r = await redeem(m.session, codes[0]!.code);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_request', param: 'code', reason: 'voided' });
      expect(r.body.error.message).toMatch(/was voided on \d{4}-\d\d-\d\dT/);
      expect(await balanceOf(gw, m.accountId)).toBe(0);
    });

    it('refuses an expired code saying it expired and when', async () => {
      const m = await member(gw);
      const expiresAt = Math.floor(Date.now() / 1000) + 1;
      const { batch_id, codes } = await batch(gw, { amount: 1_000, count: 1, expires_at: expiresAt });
      await new Promise((r) => setTimeout(r, expiresAt * 1000 - Date.now() + 50));
      const r = await redeem(m.session, codes[0]!.code);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_request', param: 'code', reason: 'expired', at: expiresAt });
      expect(r.body.error.message).toContain(`expired on ${new Date(expiresAt * 1000).toISOString()}`);
      expect(await balanceOf(gw, m.accountId)).toBe(0);
      expect((await codesOf(gw, `batch_id=${batch_id}`)).data[0].state).toBe('expired');
    });

    it('refuses a batch whose expiry has passed already', async () => {
      const r = await gw.admin('/v1/admin/topup-codes', { body: { amount: 1_000, count: 1, expires_at: Math.floor(Date.now() / 1000) - 10 } });
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe('expires_at');
    });

    it('refuses to void a redeemed code, and voids an unused one once', async () => {
      const m = await member(gw);
      const { codes } = await batch(gw, { amount: 1_000, count: 2 });
      expect((await redeem(m.session, codes[0]!.code)).status).toBe(200);
      const refused = await gw.admin(`/v1/admin/topup-codes/${codes[0]!.id}/void`, { method: 'POST' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'already_redeemed', param: 'id' });
      expect(await balanceOf(gw, m.accountId)).toBe(1_000);

      for (let i = 0; i < 2; i++) expect((await gw.admin(`/v1/admin/topup-codes/${codes[1]!.id}/void`, { method: 'POST' })).body.state).toBe('voided');
      expect(await auditOf(gw, 'topup.void', codes[1]!.id)).toHaveLength(1);
      expect((await gw.admin('/v1/admin/topup-codes/tpc_nothing/void', { method: 'POST' })).status).toBe(404);
    });

    it("voids a batch's unused codes and leaves its redeemed ones", async () => {
      const m = await member(gw);
      const b = await batch(gw, { amount: 1_000, count: 3 });
      expect((await redeem(m.session, b.codes[0]!.code)).status).toBe(200);
      const r = await gw.admin('/v1/admin/topup-codes/void', { body: { batch_id: b.batch_id } });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ object: 'topup_code_batch.void', batch_id: b.batch_id, voided: 2 });
      expect((await codesOf(gw, `batch_id=${b.batch_id}&state=voided`)).data).toHaveLength(2);
      expect((await codesOf(gw, `batch_id=${b.batch_id}&state=redeemed`)).data.map((c: { id: string }) => c.id)).toEqual([b.codes[0]!.id]);
      expect((await redeem(m.session, b.codes[1]!.code)).body.error.reason).toBe('voided');
      expect(await auditOf(gw, 'topup.void', b.batch_id)).toEqual([expect.objectContaining({ diff: { voided: 2 } })]);
      expect((await gw.admin('/v1/admin/topup-codes/void', { body: { batch_id: 'tpb_nothing' } })).status).toBe(404);
    });

    it("stores a batch's codes hashed: no table holds a code's text", async () => {
      const m = await member(gw);
      const b = await batch(gw, { amount: 1_000, count: 5, note: 'hashed' });
      expect((await redeem(m.session, b.codes[0]!.code)).status).toBe(200);
      await gw.gateway.requestLog.flush();
      const k = gw.gateway.db.kysely;
      const stored = await k.selectFrom('topup_codes').selectAll().where('batch_id', '=', b.batch_id).execute();
      expect(stored).toHaveLength(5);
      const everything = JSON.stringify([
        stored,
        await k.selectFrom('audit_log').selectAll().execute(),
        await k.selectFrom('ledger').selectAll().execute(),
        await k.selectFrom('request_log').selectAll().execute(),
      ]);
      for (const { id, code } of b.codes) {
        const body = code.slice(3);
        expect(everything).not.toContain(body);
        expect(everything).not.toContain(body.replace(/-/g, ''));
        const row = stored.find((r) => r.id === id)!;
        expect(row.hash).toBe(createHash('sha256').update(code).digest('hex'));
        expect(row.prefix).toBe(code.slice(0, 7));
      }
    });

    it('lists codes newest first in pages, filtered by batch and state, and exports the list as CSV without the codes', async () => {
      const first = await batch(gw, { amount: 7_000, count: 3, note: 'first' });
      const second = await batch(gw, { amount: 9_000, count: 2, note: '=second' });
      const page1 = await codesOf(gw, 'limit=2');
      expect(page1).toMatchObject({ object: 'list', has_more: true });
      expect(page1.data.map((c: { batch_id: string }) => c.batch_id)).toEqual([second.batch_id, second.batch_id]);
      const page2 = await codesOf(gw, `limit=2&after=${page1.last_id}`);
      expect(page2.data.map((c: { batch_id: string }) => c.batch_id)).toEqual([first.batch_id, first.batch_id]);
      const ofFirst = await codesOf(gw, `batch_id=${first.batch_id}&state=unused`);
      expect(ofFirst.data).toHaveLength(3);
      expect(ofFirst.data[0]).toEqual({
        id: expect.stringMatching(/^tpc_/),
        object: 'topup_code',
        prefix: expect.stringMatching(/^IG-[0-9A-Z]{4}$/),
        batch_id: first.batch_id,
        amount: 7_000,
        state: 'unused',
        expires_at: null,
        note: 'first',
        created: expect.any(Number),
        redeemed_at: null,
        redeemed_account_id: null,
        redeemed_user_id: null,
      });
      expect((await gw.admin('/v1/admin/topup-codes?state=lost')).body.error.param).toBe('state');

      const csv = await gw.admin(`/v1/admin/topup-codes?batch_id=${second.batch_id}&format=csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
      const lines = (csv.body as string).trim().split('\n');
      expect(lines[0]).toBe('id,prefix,batch_id,amount,state,expires_at,note,created,redeemed_at,redeemed_account_id,redeemed_user_id');
      expect(lines).toHaveLength(3);
      expect(lines[1]).toContain(",9000,unused,,'=second,");
      for (const { code } of second.codes) expect(csv.body).not.toContain(code.slice(3));
      expect((await gw.admin('/v1/admin/topup-codes?format=csv&limit=2')).status).toBe(400);
    });

    it("answers a batch as a CSV download of its codes when asked, the codes' one showing", async () => {
      const r = await gw.admin('/v1/admin/topup-codes?format=csv', { body: { amount: 3_000, count: 3, note: 'for the fair' } });
      expect(r.status).toBe(201);
      expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
      const [header, ...rows] = (r.body as string).trim().split('\n');
      expect(header).toBe('id,code,batch_id,amount,expires_at,note');
      expect(rows).toHaveLength(3);
      const codes = rows.map((row) => row.split(',')[1]!);
      for (const code of codes) expect(code).toMatch(/^IG-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      const m = await member(gw);
      expect((await redeem(m.session, codes[2]!)).body).toMatchObject({ amount: 3_000, balance: 3_000 });
    });

    it('audits the batch, the void and the redemption, the member as the redeemer', async () => {
      const m = await member(gw);
      const b = await batch(gw, { amount: 4_000, count: 2, note: 'audit' });
      expect(await auditOf(gw, 'topup.create', b.batch_id)).toEqual([
        expect.objectContaining({ amount: 8_000, diff: { amount: 4_000, count: 2, expires_at: null } }),
      ]);
      expect((await redeem(m.session, b.codes[0]!.code)).status).toBe(200);
      const [entry] = await auditOf(gw, 'topup.redeem', b.codes[0]!.id);
      expect(entry).toMatchObject({ actor: m.userId, amount: 4_000, diff: { account_id: m.accountId } });
      const [code] = (await codesOf(gw, `batch_id=${b.batch_id}&state=redeemed`)).data;
      expect(code).toMatchObject({ redeemed_account_id: m.accountId, redeemed_user_id: m.userId, redeemed_at: expect.any(Number) });
    });
  });
}

describe('who may redeem', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.close());

  it("refuses redemption to an operator's session, a key, and a member's cookie without the CSRF token", async () => {
    const { codes } = await batch(gw, { amount: 1_000, count: 1 });
    const body = { code: codes[0]!.code };
    const operator = await signIn(gw, await makeUser(gw, { email: 'operator@topup.test', role: 'operator' }));
    expect((await operator.call('/v1/console/account/redeem', { body })).status).toBe(403);
    const client = await gw.clientKey();
    const byKey = await fetch(`${gw.url}/v1/console/account/redeem`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(byKey.status).toBe(403);
    const m = await member(gw);
    const forged = await m.session.call('/v1/console/account/redeem', { body, csrf: null });
    expect(forged.status).toBe(403);
    expect(forged.body.error.message).toMatch(/^CSRF check failed/);
    expect((await codesOf(gw, 'state=unused')).data).toHaveLength(1);
  });
});

describe('top-up code guessing', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { IMAGEGATE_REDEEM_FAILURES_PER_ACCOUNT: '5', IMAGEGATE_REDEEM_FAILURES_PER_IP: '8' } });
  });
  afterAll(() => gw?.close());

  const guess = () => `IG-${createHash('sha256').update(randomUUID()).digest('hex').slice(0, 16).toUpperCase()}`;

  it("refuses an account's redemptions once its refusals reach the limit, a valid code included, and credits nothing", async () => {
    const m = await member(gw);
    const wrong = await Promise.all(Array.from({ length: 5 }, () => redeem(m.session, guess())));
    expect(wrong.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    const { codes } = await batch(gw, { amount: 1_000, count: 1 });
    const refused = await redeem(m.session, codes[0]!.code);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limit_exceeded');
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(await balanceOf(gw, m.accountId)).toBe(0);
  });

  it('refuses an address whose refusals over several accounts reach its limit', async () => {
    // The first test's five refusals count against this address too; three more reach its limit of eight.
    const others = await Promise.all([member(gw), member(gw)]);
    const wrong = await Promise.all([redeem(others[0]!.session, guess()), redeem(others[0]!.session, guess()), redeem(others[1]!.session, guess())]);
    expect(wrong.map((r) => r.status)).toEqual([404, 404, 404]);
    const fresh = await member(gw);
    expect((await redeem(fresh.session, guess())).status).toBe(429);
  });

  it('gives a successful redemption its units back, so a member may redeem many codes', async () => {
    const fresh = await startGateway({ env: { IMAGEGATE_REDEEM_FAILURES_PER_ACCOUNT: '2', IMAGEGATE_REDEEM_FAILURES_PER_IP: '2' } });
    try {
      const m = await member(fresh);
      const { codes } = await batch(fresh, { amount: 1_000, count: 6 });
      for (const { code } of codes) expect((await redeem(m.session, code)).status).toBe(200);
      expect(await balanceOf(fresh, m.accountId)).toBe(6_000);
    } finally {
      await fresh.close();
    }
  });
});
