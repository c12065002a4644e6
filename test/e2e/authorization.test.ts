/**
 * Who may call what: every route declares its audience, and the audience of the route that matched decides,
 * whatever spelling of the URL reached it (percent-escapes, absolute-form targets, trailing slashes, HEAD).
 */
import Fastify from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAudienceGate, MissingAudienceError } from '../../src/server/audience.js';
import { ConsoleSessionStore } from '../../src/store/console-sessions.js';
import { makeUser, signIn } from '../support/console.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';

/** One raw HTTP/1.1 request, so the request target goes out exactly as written. */
function rawRequest(url: string, method: string, target: string, key?: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const auth = key ? `Authorization: Bearer ${key}\r\n` : '';
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${auth}Connection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on('error', reject);
  });
}

const ADMIN_TARGETS = [
  '/v1/admin/keys',
  '/v1/%61dmin/keys',
  '/v1/admi%6e/keys',
  '/%761/admin/keys',
  '/v1%2fadmin/keys',
  '//v1/admin/keys',
  '/v1//admin/keys',
  '/V1/ADMIN/keys',
  '/v1/admin/keys/',
  '/v1/admin/keys.',
  '/v1/admin/keys?x=/v1/balance',
  '/v1/admin/keys;/v1/balance',
  '/v1/./admin/keys',
  '/v1/models/../admin/keys',
  '/metrics',
  '/%6detrics',
];

describe('authorization by the matched route', () => {
  let gw: TestGateway;
  let client: { key: string; accountId: string };

  beforeAll(async () => {
    gw = await startGateway();
    client = await gw.clientKey({ balance: 1_000_000 });
  });
  afterAll(() => gw.close());

  it('refuses to register a route that declares no audience', async () => {
    const app = Fastify();
    installAudienceGate(app, { keys: gw.gateway.keys, sessions: new ConsoleSessionStore(gw.gateway.db, gw.gateway.config.console), publicUrl: () => gw.url });
    expect(() => app.get('/v1/forgotten', async () => 'open')).toThrow(MissingAudienceError);
    await app.close();
  });

  it('has an audience on every registered route, and only probes, signed files, the API document, the console app, sign-in and sign-up are public', () => {
    const routes = gw.gateway.server.declaredRoutes;
    expect(routes.length).toBeGreaterThan(20);
    const publicOnes = routes
      .filter((r) => r.audience === 'public')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    // The console's files hold no data: the app calls the admin API, which asks for a session or the admin key.
    const consoleApp = ['/', '/console', '/console/', '/console/*', '/console/assets/*'];
    expect(publicOnes).toEqual(
      [
        ...['/healthz', '/readyz', '/v1/files/:name.:ext', '/v1/console/config', '/openapi.json', '/docs', ...consoleApp].flatMap((url) => [
          `GET ${url}`,
          `HEAD ${url}`,
        ]),
        'POST /v1/console/sign-in',
        'POST /v1/console/sign-up',
      ].sort(),
    );
    for (const r of routes) {
      if (r.url.startsWith('/v1/admin/') || r.url === '/metrics') expect(r.audience, `${r.method} ${r.url}`).toBe('admin');
      else if (r.url.startsWith('/v1/console/account') && r.audience !== 'public') expect(r.audience, `${r.method} ${r.url}`).toBe('member');
      else if (r.url.startsWith('/v1/console/') && r.audience !== 'public') expect(r.audience, `${r.method} ${r.url}`).toBe('console');
      else if (r.audience !== 'public') expect(r.audience, `${r.method} ${r.url}`).toBe('client');
    }
  });

  it('declares the top-up code routes: the admin ones for operators, redemption for members', () => {
    const declared = gw.gateway.server.declaredRoutes.map((r) => `${r.audience} ${r.method} ${r.url}`);
    expect(declared).toEqual(
      expect.arrayContaining([
        'admin POST /v1/admin/topup-codes',
        'admin GET /v1/admin/topup-codes',
        'admin POST /v1/admin/topup-codes/:id/void',
        'admin POST /v1/admin/topup-codes/void',
        'member POST /v1/console/account/redeem',
      ]),
    );
  });

  it('declares the Files API for client keys beside the public signed hosted-image route', () => {
    const declared = gw.gateway.server.declaredRoutes.map((r) => `${r.audience} ${r.method} ${r.url}`);
    expect(declared).toEqual(
      expect.arrayContaining([
        'client POST /v1/files',
        'client GET /v1/files',
        'client GET /v1/files/:id',
        'client GET /v1/files/:id/content',
        'client DELETE /v1/files/:id',
        'public GET /v1/files/:name.:ext',
      ]),
    );
  });

  it('answers 401 on every non-public route without a key, and 403 on every admin route for a client key', async () => {
    for (const r of gw.gateway.server.declaredRoutes) {
      if (r.audience === 'public') continue;
      const path = r.url.replace(':id', 'x').replace(':name', 'x').replace('*', 'x');
      const anonymous = await fetch(`${gw.url}${path}`, { method: r.method });
      expect(anonymous.status, `${r.method} ${r.url} without a key`).toBe(401);
      if (r.audience !== 'admin') continue;
      const asClient = await fetch(`${gw.url}${path}`, { method: r.method, headers: { authorization: `Bearer ${client.key}` } });
      expect(asClient.status, `${r.method} ${r.url} with a client key`).toBe(403);
      if (r.method !== 'HEAD') expect(((await asClient.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    }
  });

  for (const target of ADMIN_TARGETS) {
    for (const method of ['GET', 'HEAD']) {
      it(`refuses ${method} ${target} to a client key with 403 or 404`, async () => {
        const res = await rawRequest(gw.url, method, target, client.key);
        expect([403, 404, 400]).toContain(res.status);
        expect(res.text).not.toContain('"object":"list"');
      });
    }
  }

  it('refuses every admin, member and console route to a client key in its encoded and absolute-form spellings too', async () => {
    const guarded = gw.gateway.server.declaredRoutes.filter((r) => ['admin', 'member', 'console'].includes(r.audience) && r.method !== 'HEAD');
    expect(guarded.filter((r) => r.audience === 'admin').length).toBeGreaterThan(15);
    expect(guarded.filter((r) => r.audience === 'member').length).toBeGreaterThan(5);
    for (const r of guarded) {
      const path = r.url.replace(':id', 'x').replace(':name', 'x').replace('*', 'x');
      // The first letter after the first slash, percent-encoded: the router decodes it, the URL text never had it.
      const encoded = path.replace(/^\/(.)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
      for (const target of [path, encoded, `http://x${path}`, `http://x${encoded}`]) {
        const res = await rawRequest(gw.url, r.method, target, client.key);
        expect([403, 404, 400], `${r.method} ${target}`).toContain(res.status);
      }
    }
  });

  it('asks every client route (the Files API included) for a key in its encoded and absolute-form spellings, and lets a client key through', async () => {
    const clientRoutes = gw.gateway.server.declaredRoutes.filter((r) => r.audience === 'client' && r.method !== 'HEAD');
    expect(clientRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['POST /v1/files', 'GET /v1/files/:id/content', 'DELETE /v1/files/:id']),
    );
    for (const r of clientRoutes) {
      const path = r.url.replace(':id', 'x').replace(':name', 'x').replace('*', 'x');
      const encoded = path.replace(/^\/(.)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
      for (const target of [path, encoded, `http://x${path}`, `http://x${encoded}`]) {
        expect((await rawRequest(gw.url, r.method, target)).status, `${r.method} ${target} without a key`).toBe(401);
        // With the key the route's own handler answers (a 404 for the made-up id, a 400 for the empty body).
        const withKey = await rawRequest(gw.url, r.method, target, client.key);
        expect([401, 403], `${r.method} ${target} with a client key`).not.toContain(withKey.status);
      }
    }
  });

  it('serves the API document and its reference page alike with no key, a client key, and encoded or absolute-form targets', async () => {
    for (const path of ['/openapi.json', '/docs']) {
      const encoded = path.replace(/^\/(.)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
      const bodyOf = (text: string) => text.slice(text.indexOf('\r\n\r\n'));
      const plain = await rawRequest(gw.url, 'GET', path);
      expect(plain.status, path).toBe(200);
      for (const target of [encoded, `http://x${path}`, `http://x${encoded}`]) {
        for (const key of [undefined, client.key]) {
          const res = await rawRequest(gw.url, 'GET', target, key);
          expect([res.status, bodyOf(res.text) === bodyOf(plain.text)], `GET ${target} ${key ? 'with a client key' : 'without a key'}`).toEqual([200, true]);
        }
      }
    }
  });

  it('refuses an absolute-form admin target to a client key', async () => {
    for (const target of [`${gw.url}/v1/admin/keys`, 'http://x/v1/admin/keys', 'http://x/v1/%61dmin/keys']) {
      const res = await rawRequest(gw.url, 'GET', target, client.key);
      expect([403, 404, 400], target).toContain(res.status);
      expect(res.text).not.toContain('"object":"list"');
    }
  });

  it('refuses a client key that tries to credit its own account through an encoded path', async () => {
    const res = await fetch(`${gw.url}/v1/%61dmin/accounts/${client.accountId}/credit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1_000_000_000, note: 'self-service' }),
    });
    expect(res.status).toBe(403);
    expect((await gw.balance(client.key)).available).toBe(1_000_000);
  });

  const adminRoutes = () => gw.gateway.server.declaredRoutes.filter((r) => r.audience === 'admin' && r.method !== 'HEAD');
  const pathOf = (url: string) => url.replace(':id', 'x').replace(':name', 'x').replace('*', 'x');
  const mutates = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

  it("refuses every admin route to a member's session with 403, the CSRF token sent", async () => {
    const member = await makeUser(gw, { email: 'member@authz.test', role: 'member', account_id: client.accountId });
    const s = await signIn(gw, member);
    for (const r of adminRoutes()) {
      const res = await s.call(pathOf(r.url), { method: r.method });
      expect(res.status, `${r.method} ${r.url} as a member`).toBe(403);
      expect(res.body.error.code).toBe('permission_denied');
    }
  });

  it('refuses every admin mutation by cookie without the CSRF token, with a wrong one, or from a foreign origin', async () => {
    const s = await signIn(gw);
    const mutations = adminRoutes().filter((r) => mutates(r.method));
    expect(mutations.length).toBeGreaterThan(5);
    for (const r of mutations) {
      for (const attempt of [{ csrf: null }, { csrf: 'wrong' }, { headers: { origin: 'https://evil.example' } }]) {
        const res = await s.call(pathOf(r.url), { method: r.method, ...attempt });
        expect(res.status, `${r.method} ${r.url} ${JSON.stringify(attempt)}`).toBe(403);
        expect(res.body.error.message).toMatch(/^CSRF check failed/);
      }
    }
  });

  it("accepts an operator's session on every admin route", async () => {
    const operator = await makeUser(gw, { email: 'operator@authz.test', role: 'operator' });
    const s = await signIn(gw, operator);
    for (const r of adminRoutes()) {
      const res = await s.call(pathOf(r.url), { method: r.method, headers: { origin: new URL(gw.url).origin } });
      expect([401, 403], `${r.method} ${r.url} as an operator: ${JSON.stringify(res.body)}`).not.toContain(res.status);
    }
  });

  it('refuses the console session and member routes to a key, even the admin key', async () => {
    for (const r of gw.gateway.server.declaredRoutes.filter((x) => x.audience === 'console' || x.audience === 'member')) {
      const res = await fetch(`${gw.url}${r.url}`, { method: r.method, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(res.status, `${r.method} ${r.url}`).toBe(403);
    }
  });

  const memberRoutes = () => gw.gateway.server.declaredRoutes.filter((r) => r.audience === 'member' && r.method !== 'HEAD');

  it("walks every member route: refused without a session, with a client or the admin key, with an operator's or admin-key session, and by cookie without the CSRF token", async () => {
    const routes = memberRoutes();
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /v1/console/account',
        'GET /v1/console/account/usage',
        'GET /v1/console/account/ledger',
        'GET /v1/console/account/keys',
        'POST /v1/console/account/keys',
        'POST /v1/console/account/keys/:id/revoke',
        'GET /v1/console/account/requests',
        'GET /v1/console/account/requests/:id',
        'GET /v1/console/account/tasks',
        'GET /v1/console/account/tasks/:id',
        'POST /v1/console/account/tasks/:id/cancel',
      ]),
    );
    const operator = await signIn(gw, await makeUser(gw, { email: 'operator-walk@authz.test', role: 'operator' }));
    const adminKeySession = await signIn(gw);
    const member = await signIn(gw, await makeUser(gw, { email: 'member-walk@authz.test', role: 'member', account_id: client.accountId }));
    for (const r of routes) {
      const path = pathOf(r.url);
      const what = `${r.method} ${r.url}`;
      const anonymous = await fetch(`${gw.url}${path}`, { method: r.method });
      expect(anonymous.status, `${what} without a session`).toBe(401);
      for (const key of [client.key, ADMIN_KEY]) {
        const withKey = await fetch(`${gw.url}${path}`, { method: r.method, headers: { authorization: `Bearer ${key}` } });
        expect(withKey.status, `${what} with a key`).toBe(403);
      }
      for (const s of [operator, adminKeySession]) {
        const res = await s.call(path, { method: r.method });
        expect(res.status, `${what} as an operator`).toBe(403);
        expect(res.body.error.code).toBe('permission_denied');
      }
      if (mutates(r.method)) {
        const noToken = await member.call(path, { method: r.method, csrf: null });
        expect(noToken.status, `${what} without the CSRF token`).toBe(403);
        expect(noToken.body.error.message).toMatch(/^CSRF check failed/);
      }
      const own = await member.call(path, { method: r.method });
      expect([401, 403], `${what} as the member: ${JSON.stringify(own.body)}`).not.toContain(own.status);
    }
  });

  it('still serves the encoded spelling to the admin key (the variants above do reach the admin routes)', async () => {
    const res = await rawRequest(gw.url, 'GET', '/v1/%61dmin/keys', ADMIN_KEY);
    expect(res.status).toBe(200);
    expect(res.text).toContain('"object":"list"');
  });
});
