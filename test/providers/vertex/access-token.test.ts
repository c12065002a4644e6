/** Service-account access tokens against a token endpoint that verifies the JWT's signature with the public key. */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REFRESH_MARGIN_MS, ServiceAccountTokens } from '../../../src/providers/vertex/access-token.js';
import { type GoogleTokenFake, startGoogleTokenFake, type TestServiceAccount, writeServiceAccount } from '../../fakes/google-token.js';
import { callContext, failure } from '../builders.js';

let tokens: GoogleTokenFake;
let account: TestServiceAccount;

beforeAll(async () => {
  tokens = await startGoogleTokenFake();
  account = writeServiceAccount();
  tokens.trust(account);
});
afterAll(async () => {
  await tokens?.close();
});
beforeEach(() => tokens.reset());

describe('service account access tokens', () => {
  it('exchanges an RS256 assertion the token endpoint verifies with the public key for an access token', async () => {
    const token = await new ServiceAccountTokens(account.path, tokens.tokenUrl).accessToken();
    expect(tokens.issued.has(token)).toBe(true);
    const form = new URLSearchParams(tokens.requests[0]!.body.toString());
    const claims = JSON.parse(Buffer.from(form.get('assertion')!.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ iss: account.email, aud: tokens.tokenUrl, scope: 'https://www.googleapis.com/auth/cloud-platform' });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('exchanges once for many concurrent callers and reuses the token until near its expiry', async () => {
    const source = new ServiceAccountTokens(account.path, tokens.tokenUrl);
    const got = await Promise.all(Array.from({ length: 8 }, () => source.accessToken()));
    expect(new Set(got).size).toBe(1);
    expect(await source.accessToken()).toBe(got[0]);
    expect(tokens.requests).toHaveLength(1);
  });

  it('refreshes a token within five minutes of its expiry, once for concurrent callers', async () => {
    // A token that lives no longer than the margin is due for refresh as soon as it is handed out.
    tokens.expiresIn = REFRESH_MARGIN_MS / 1000;
    const source = new ServiceAccountTokens(account.path, tokens.tokenUrl);
    const first = await source.accessToken();
    const [a, b] = await Promise.all([source.accessToken(), source.accessToken()]);
    expect(a).not.toBe(first);
    expect(b).toBe(a);
    expect(tokens.requests).toHaveLength(2);
  });

  it('stops waiting for a slow exchange at the caller deadline, and the exchange still serves the next caller', async () => {
    tokens.knobs.latencyMs = 400;
    const source = new ServiceAccountTokens(account.path, tokens.tokenUrl);
    const started = Date.now();
    const e = await failure(source.accessToken(callContext(100)));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(Date.now() - started).toBeLessThan(350);
    const token = await source.accessToken(callContext());
    expect(tokens.issued.has(token)).toBe(true);
    expect(tokens.requests).toHaveLength(1);
  });

  it('turns a refused exchange into a retryable 502 that quotes neither the key nor the assertion', async () => {
    tokens.refuseNextWith('invalid_grant');
    const e = await failure(new ServiceAccountTokens(account.path, tokens.tokenUrl).accessToken());
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).toContain('invalid_grant');
    expect(e.message).not.toMatch(/PRIVATE KEY|eyJ|ya29/);
  });

  it('turns a dropped token connection into a retryable 502, and the next call exchanges again', async () => {
    const source = new ServiceAccountTokens(account.path, tokens.tokenUrl);
    tokens.knobs.dropNext = 1;
    expect(await failure(source.accessToken())).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(tokens.issued.has(await source.accessToken())).toBe(true);
  });

  it('tries again after a refused exchange instead of keeping the failure', async () => {
    const source = new ServiceAccountTokens(account.path, tokens.tokenUrl);
    tokens.refuseNextWith('invalid_grant');
    await failure(source.accessToken());
    expect(tokens.issued.has(await source.accessToken())).toBe(true);
  });

  it('reports a key file that is not a service account as a retryable 502 without quoting the file', async () => {
    const path = `${account.path}.broken.json`;
    writeFileSync(path, JSON.stringify({ type: 'authorized_user', client_secret: 'do-not-quote-me' }));
    const e = await failure(new ServiceAccountTokens(path, tokens.tokenUrl).accessToken());
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(e.message).not.toContain('do-not-quote-me');
    expect(tokens.requests).toHaveLength(0);
  });
});
