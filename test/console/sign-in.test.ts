/**
 * Console sign-in against a running gateway, on SQLite and (when configured) PostgreSQL: credentials,
 * cookies, session lifetimes, signing out, CSRF, who may use the admin API, and the audit of user changes.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';
import { makeUser, signIn, signInRaw } from '../support/console.js';

let n = 0;
const email = () => `person${++n}@example.test`;

for (const db of databases()) {
  describe(`console sign-in (${db.name})`, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      const made = await db.make();
      gw = await startGateway({ databaseUrl: made.databaseUrl, dataDir: made.dataDir });
    });
    afterAll(() => gw?.close());

    const sessionRow = (cookie: string) =>
      gw.gateway.db.kysely
        .selectFrom('console_sessions')
        .selectAll()
        .where('id_hash', '=', createHash('sha256').update(cookie.split('=')[1]!).digest('hex'))
        .executeTakeFirst();

    it('signs in with email and password and answers the session with an HttpOnly, SameSite=Strict cookie', async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      const s = await signIn(gw, { email: user.email, password: user.password });
      expect(s.setCookie).toMatch(/^imagegate_session=[A-Za-z0-9_-]{43}; /);
      expect(s.setCookie).toContain('HttpOnly');
      expect(s.setCookie).toContain('SameSite=Strict');
      expect(s.setCookie).toContain('Path=/');
      expect(s.setCookie).not.toContain('Secure');
      expect(s.view).toMatchObject({ object: 'console.session', via: 'password', user: { id: user.id, role: 'operator', email: user.email } });
      const again = await s.call('/v1/console/session');
      expect(again.status).toBe(200);
      expect(again.body.user.last_sign_in_at).toBeGreaterThan(0);
    });

    it('answers a wrong password and an unknown email with the same status and message', async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      const wrong = await signInRaw(gw, { email: user.email, password: 'not the password at all' });
      const unknown = await signInRaw(gw, { email: email(), password: 'not the password at all' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.error).toMatchObject({ code: 'invalid_credentials', type: 'authentication_error', message: 'The email or password is wrong.' });
      expect(wrong.headers.get('set-cookie')).toBeNull();
    });

    it('stores only the SHA-256 of the session id, never the id itself', async () => {
      const s = await signIn(gw);
      const raw = s.cookie.split('=')[1]!;
      const rows = await gw.gateway.db.kysely.selectFrom('console_sessions').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(raw);
      expect(await sessionRow(s.cookie)).toBeDefined();
    });

    it('refuses a session idle longer than the idle limit', async () => {
      const s = await signIn(gw);
      const idleMs = gw.gateway.config.console.idleMs;
      await gw.gateway.db.kysely
        .updateTable('console_sessions')
        .set({ last_seen_at: Date.now() - idleMs - 1000 })
        .where('id_hash', '=', (await sessionRow(s.cookie))!.id_hash)
        .execute();
      const r = await s.call('/v1/console/session');
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('not_signed_in');
      expect(await sessionRow(s.cookie)).toBeUndefined();
    });

    it('refuses a session past its absolute expiry, however recently used', async () => {
      const s = await signIn(gw);
      await gw.gateway.db.kysely
        .updateTable('console_sessions')
        .set({ expires_at: Date.now() - 1 })
        .where('id_hash', '=', (await sessionRow(s.cookie))!.id_hash)
        .execute();
      expect((await s.call('/v1/console/session')).status).toBe(401);
    });

    it('moves last_seen_at forward at most once a minute', async () => {
      const s = await signIn(gw);
      const hash = (await sessionRow(s.cookie))!.id_hash;
      const setSeen = (at: number) => gw.gateway.db.kysely.updateTable('console_sessions').set({ last_seen_at: at }).where('id_hash', '=', hash).execute();
      const recent = Date.now() - 30_000;
      await setSeen(recent);
      await s.call('/v1/console/session');
      expect((await sessionRow(s.cookie))!.last_seen_at).toBe(recent);
      const old = Date.now() - 61_000;
      await setSeen(old);
      const before = Date.now();
      await s.call('/v1/console/session');
      expect((await sessionRow(s.cookie))!.last_seen_at).toBeGreaterThanOrEqual(before);
    });

    it('signs out: the session ends and the cookie is cleared', async () => {
      const s = await signIn(gw);
      const out = await s.call('/v1/console/sign-out', { method: 'POST' });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^imagegate_session=; .*Max-Age=0/);
      expect((await s.call('/v1/console/session')).status).toBe(401);
    });

    it('signs out everywhere: every session of the user ends, other users keep theirs', async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      const other = await makeUser(gw, { email: email(), role: 'operator' });
      const a = await signIn(gw, user);
      const b = await signIn(gw, user);
      const c = await signIn(gw, other);
      expect((await a.call('/v1/console/sign-out-everywhere', { method: 'POST' })).status).toBe(204);
      expect((await a.call('/v1/console/session')).status).toBe(401);
      expect((await b.call('/v1/console/session')).status).toBe(401);
      expect((await c.call('/v1/console/session')).status).toBe(200);
    });

    it('refuses a cookie mutation without the CSRF token, with a wrong one, or from a foreign origin', async () => {
      const s = await signIn(gw);
      const body = { name: 'csrf-probe' };
      const none = await s.call('/v1/admin/accounts', { body, csrf: null });
      const wrong = await s.call('/v1/admin/accounts', { body, csrf: 'x'.repeat(43) });
      const foreign = await s.call('/v1/admin/accounts', { body, headers: { origin: 'https://evil.example' } });
      for (const r of [none, wrong, foreign]) {
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('permission_denied');
        expect(r.body.error.message).toMatch(/^CSRF check failed: /);
      }
      const own = await s.call('/v1/admin/accounts', { body, headers: { origin: new URL(gw.url).origin } });
      expect(own.status).toBe(201);
      const accounts = await gw.admin('/v1/admin/accounts');
      expect((accounts.body.data as Array<{ name: string }>).filter((a) => a.name === 'csrf-probe')).toHaveLength(1);
    });

    it('authenticates a request with a key by the key alone: no CSRF token needed, a cookie beside it ignored', async () => {
      const member = await makeUser(gw, { email: email(), role: 'member', account_id: (await gw.clientKey()).accountId });
      const s = await signIn(gw, member);
      const res = await fetch(`${gw.url}/v1/admin/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, cookie: s.cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ name: 'by-key' }),
      });
      expect(res.status).toBe(201);
    });

    it("refuses a member's session on the admin API with 403", async () => {
      const { accountId } = await gw.clientKey();
      const member = await makeUser(gw, { email: email(), role: 'member', account_id: accountId });
      const s = await signIn(gw, member);
      const r = await s.call('/v1/admin/accounts');
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('permission_denied');
      expect((await s.call('/v1/console/session')).status).toBe(200);
    });

    it('signs in with the admin key, asks for an operator until one exists, and records the creation as the key', async () => {
      const fresh = await (async () => {
        const made = await db.make();
        return startGateway({ databaseUrl: made.databaseUrl, dataDir: made.dataDir });
      })();
      try {
        const s = await signIn(fresh);
        expect(s.view).toMatchObject({ via: 'admin_key', user: null, needs_operator: true });
        const created = await s.call('/v1/admin/users', { body: { email: 'first@example.test', password: 'a long enough password', role: 'operator' } });
        expect(created.status).toBe(201);
        expect((await s.call('/v1/console/session')).body.needs_operator).toBe(false);
        const audit = await fresh.admin(`/v1/admin/audit?action=user.create`);
        const adminKeyId = (await fresh.gateway.keys.authenticate(ADMIN_KEY))!.id;
        expect(audit.body.data[0]).toMatchObject({ actor: adminKeyId, target: { kind: 'console_user', id: created.body.id } });
      } finally {
        await fresh.close();
      }
    });

    it('audits user changes with the console user as the actor, and never a password or its hash', async () => {
      const operator = await makeUser(gw, { email: email(), role: 'operator' });
      const s = await signIn(gw, operator);
      const newPassword = 'another long password';
      const made = await s.call('/v1/admin/users', { body: { email: email(), password: 'a long enough password', role: 'operator' } });
      expect(made.status).toBe(201);
      const id = made.body.id as string;
      expect((await s.call(`/v1/admin/users/${id}`, { method: 'PATCH', body: { password: newPassword } })).status).toBe(200);
      expect((await s.call(`/v1/admin/users/${id}`, { method: 'PATCH', body: { disabled: true } })).body.disabled).toBe(true);
      const rows = (await gw.admin(`/v1/admin/audit?target_id=${id}`)).body.data as Array<{ action: string; actor: string; diff: unknown }>;
      expect(rows.map((r) => r.action)).toEqual(['user.disable', 'user.update', 'user.create']);
      for (const r of rows) expect(r.actor).toBe(operator.id);
      expect(rows[1]!.diff).toEqual({ password_changed: true });
      const text = JSON.stringify(rows);
      expect(text).not.toContain(newPassword);
      expect(text).not.toContain('scrypt$');
    });

    it("creates a key from an operator's session with created_by naming the user", async () => {
      const operator = await makeUser(gw, { email: email(), role: 'operator' });
      const s = await signIn(gw, operator);
      const key = await s.call('/v1/admin/keys', { body: { name: 'from-console' } });
      expect(key.status).toBe(201);
      expect(key.body.created_by).toBe(operator.id);
    });

    it("ends a disabled user's sessions and refuses their sign-in", async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      const s = await signIn(gw, user);
      expect((await gw.admin(`/v1/admin/users/${user.id}`, { method: 'PATCH', body: { disabled: true } })).status).toBe(200);
      expect((await s.call('/v1/console/session')).status).toBe(401);
      const again = await signInRaw(gw, { email: user.email, password: user.password });
      expect(again.status).toBe(401);
      expect(again.body.error.message).toBe('The email or password is wrong.');
    });

    it("ends a user's sessions when their password changes, and the new password signs in", async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      const s = await signIn(gw, user);
      const password = 'a brand new password';
      expect((await gw.admin(`/v1/admin/users/${user.id}`, { method: 'PATCH', body: { password } })).status).toBe(200);
      expect((await s.call('/v1/console/session')).status).toBe(401);
      expect((await signInRaw(gw, { email: user.email, password })).status).toBe(200);
    });

    it('refuses a second user with the same email with 409 naming email, and a member without an account', async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      const dup = await gw.admin('/v1/admin/users', { body: { email: user.email.toUpperCase(), password: 'a long enough password', role: 'operator' } });
      expect(dup.status).toBe(409);
      expect(dup.body.error.param).toBe('email');
      const orphan = await gw.admin('/v1/admin/users', { body: { email: email(), password: 'a long enough password', role: 'member' } });
      expect(orphan.status).toBe(400);
      expect(orphan.body.error.param).toBe('account_id');
      const listed = await gw.admin('/v1/admin/users');
      expect(JSON.stringify(listed.body)).not.toContain('scrypt$');
    });

    it('refuses sign-in with 429 and Retry-After once an email has failed five times', async () => {
      const user = await makeUser(gw, { email: email(), role: 'operator' });
      for (let i = 0; i < 5; i++) expect((await signInRaw(gw, { email: user.email, password: 'wrong password' })).status).toBe(401);
      const refused = await signInRaw(gw, { email: user.email, password: user.password });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limit_exceeded');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });
}

describe('console sign-in behind an https public URL', () => {
  it('marks the session cookie Secure', async () => {
    const gw = await startGateway({ env: { IMAGEGATE_PUBLIC_URL: 'https://images.example.test' } });
    try {
      const s = await signIn(gw);
      expect(s.setCookie).toContain('; Secure');
    } finally {
      await gw.close();
    }
  });
});
