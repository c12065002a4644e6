/** The Google fakes refuse what Google refuses, so an adapter mistake shows up as a refusal, not a pass. */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVertex, type VertexSetup } from './job.js';

let s: VertexSetup;

beforeAll(async () => {
  s = await startVertex();
});
afterAll(async () => {
  await s?.close();
});

/** The service account's own private key, as the gateway reads it. */
const keyOf = (): string => (JSON.parse(readFileSync(s.account.path, 'utf8')) as { private_key: string }).private_key;

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function assertion(claims: Record<string, unknown>, privateKey: string): string {
  const unsigned = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
}

async function exchange(jwt: string): Promise<{ status: number; body: { error?: string; access_token?: string } }> {
  const res = await fetch(s.tokens.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }),
  });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

const claims = (over: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return { iss: s.account.email, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: s.tokens.tokenUrl, iat: now, exp: now + 3600, ...over };
};

describe('google token fake', () => {
  it('refuses an assertion signed by a key other than the service account', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await exchange(assertion(claims(), other))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses an assertion for another audience, and one living over an hour', async () => {
    const privateKey = keyOf();
    expect(await exchange(assertion(claims({ aud: 'https://example.com/token' }), privateKey))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const now = Math.floor(Date.now() / 1000);
    expect(await exchange(assertion(claims({ exp: now + 7200 }), privateKey))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await exchange(assertion(claims(), privateKey))).body.access_token).toMatch(/^ya29\./);
  });
});

describe('vertex fake', () => {
  const predictUrl = () => `${s.vertex.url}/v1/projects/${s.account.projectId}/locations/us-central1/publishers/google/models/imagen-4.0-generate-001:predict`;

  it('answers a call without an access token with 401 UNAUTHENTICATED', async () => {
    const res = await fetch(predictUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ prompt: 'x' }] }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });

  it('refuses a seed with the watermark on, as Imagen does', async () => {
    const { access_token } = (await exchange(assertion(claims(), keyOf()))).body;
    const res = await fetch(predictUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ instances: [{ prompt: 'x' }], parameters: { sampleCount: 1, seed: 5 } }),
    });
    expect(res.status).toBe(400);
  });
});
