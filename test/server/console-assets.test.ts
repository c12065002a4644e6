/**
 * The gateway serves the console at /console/: hashed assets cached for a year, every page path answered with
 * the app's index.html (never cached), security headers on all of it, a browser at / sent to the console,
 * and a clear 503 while the console is not built.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';

const INDEX = '<!doctype html><title>console</title><script type="module" src="/console/assets/app-Ab12Cd34.js"></script>';

function fakeBuild(): string {
  const dir = tempDir('imagegate-console-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-Ab12Cd34.js'), 'console.log("app");');
  return dir;
}

function expectSecurityHeaders(h: Headers) {
  const csp = h.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('referrer-policy')).toBe('same-origin');
}

describe('console assets, built', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ consoleDir: fakeBuild() });
  });
  afterAll(() => gw.close());

  it('serves hashed assets cached for a year as immutable, with security headers', async () => {
    const res = await fetch(`${gw.url}/console/assets/app-Ab12Cd34.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(res.headers);
    expect(await res.text()).toBe('console.log("app");');
  });

  it('answers /console/ and every page path with index.html, never cached', async () => {
    for (const path of ['/console/', '/console/accounts', '/console/accounts/acct_123', '/console/requests?status=402']) {
      const res = await fetch(`${gw.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expectSecurityHeaders(res.headers);
      expect(await res.text(), path).toBe(INDEX);
    }
  });

  it('needs no key for the console: the app signs in itself', async () => {
    const res = await fetch(`${gw.url}/console/keys`);
    expect(res.status).toBe(200);
  });

  it('answers a missing asset with 404, not the app shell', async () => {
    const res = await fetch(`${gw.url}/console/assets/app-OldHash1.js`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('does not serve files outside the build', async () => {
    const res = await fetch(`${gw.url}/console/assets/..%2F..%2Fpackage.json`);
    expect(res.status).toBe(404);
    const res2 = await fetch(`${gw.url}/console/..%2Fpackage.json`);
    expect(await res2.text()).toBe(INDEX);
  });

  it('redirects a browser opening / to the console', async () => {
    const res = await fetch(`${gw.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console/');
  });

  it('keeps the answer API clients got at /: 401 without a key, 404 with one', async () => {
    const anon = await fetch(`${gw.url}/`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.code).toBe('invalid_api_key');
    const keyed = await fetch(`${gw.url}/`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, redirect: 'manual' });
    expect(keyed.status).toBe(404);
    expect((await keyed.json()).error.code).toBe('not_found');
  });
});

describe('console assets, not built (run from source)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // From src/, the default place of the build (next to the compiled server) holds none.
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('answers /console/ with 503 saying to run npm run build', async () => {
    const res = await fetch(`${gw.url}/console/`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.message).toContain('npm run build');
    expectSecurityHeaders(res.headers);
  });
});
