/**
 * A fake Google OAuth token endpoint for service accounts (Google's "OAuth 2.0 for server to server
 * applications"): `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and a JWT
 * `assertion`, whose RS256 signature it verifies with the service account's public key, and whose claims it
 * checks as Google does (iss, scope, aud = this endpoint, iat/exp at most an hour apart and not expired).
 * Errors in OAuth's shape (`{"error": "invalid_grant", "error_description": …}`). Also writes key files.
 */
import { createPublicKey, createVerify, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';

export interface TestServiceAccount {
  /** The key file's path: GOOGLE_APPLICATION_CREDENTIALS. */
  path: string;
  email: string;
  projectId: string;
  publicKey: KeyObject;
}

let keyPair: { privateKey: string; publicKey: KeyObject } | undefined;

/** A service account key file as the Cloud console downloads it (one RSA key per test run: generating is slow). */
export function writeServiceAccount(opts: { projectId?: string; email?: string } = {}): TestServiceAccount {
  if (!keyPair) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPair = { privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: createPublicKey(pair.privateKey) };
  }
  const projectId = opts.projectId ?? 'imagegate-test';
  const email = opts.email ?? `gateway@${projectId}.iam.gserviceaccount.com`;
  const path = join(mkdtempSync(join(tmpdir(), 'imagegate-sa-')), 'service-account.json');
  writeFileSync(
    path,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: keyPair.privateKey,
      client_email: email,
      client_id: '1234567890',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
  );
  return { path, email, projectId, publicKey: keyPair.publicKey };
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export class GoogleTokenFake extends HttpFake {
  /** Access tokens handed out, still valid (a Vertex fake accepts these). */
  readonly issued = new Set<string>();
  /** Seconds each token lives (Google: 3599). */
  expiresIn = 3599;
  private readonly accounts = new Map<string, KeyObject>();
  private refuseNext: string[] = [];

  constructor() {
    super([]);
    this.routes.push({ method: 'POST', path: /^\/token$/, handle: (r, res) => this.token(r, res) });
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  /** Accept assertions signed by this account's key. */
  trust(account: TestServiceAccount): this {
    this.accounts.set(account.email, account.publicKey);
    return this;
  }

  /** The next exchange is refused with this OAuth error (invalid_grant: a deleted key, a clock far off). */
  refuseNextWith(error: string): void {
    this.refuseNext.push(error);
  }

  /** Token exchanges answered with a token. */
  get exchanges(): number {
    return this.issued.size;
  }

  /** Every token handed out stops working (revoked, or the test moved past their expiry). */
  revokeAll(): void {
    this.issued.clear();
  }

  override reset(): void {
    super.reset();
    this.issued.clear();
    this.refuseNext = [];
    this.expiresIn = 3599;
  }

  private refuse(res: ServerResponse, status: number, error: string, description: string): void {
    sendJson(res, status, { error, error_description: description });
  }

  private token(r: RecordedRequest, res: ServerResponse): void {
    if (!String(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return this.refuse(res, 400, 'invalid_request', 'Request must be form-encoded.');
    const form = new URLSearchParams(r.body.toString('utf8'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return this.refuse(res, 400, 'unsupported_grant_type', 'Invalid grant_type: ');
    const [head, claims, signature, ...rest] = (form.get('assertion') ?? '').split('.');
    if (!head || !claims || !signature || rest.length)
      return this.refuse(res, 400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe');
    const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string; typ?: string };
    const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    if (header.alg !== 'RS256') return this.refuse(res, 400, 'invalid_grant', 'Invalid JWT Signature.');
    const key = c.iss ? this.accounts.get(c.iss) : undefined;
    if (!key) return this.refuse(res, 400, 'invalid_grant', 'Invalid grant: account not found');
    const verified = createVerify('RSA-SHA256').update(`${head}.${claims}`).verify(key, Buffer.from(signature, 'base64url'));
    if (!verified) return this.refuse(res, 400, 'invalid_grant', 'Invalid JWT Signature.');
    if (c.aud !== this.tokenUrl) return this.refuse(res, 400, 'invalid_grant', 'Invalid JWT: aud is not the token endpoint.');
    if (c.scope !== CLOUD_PLATFORM) return this.refuse(res, 400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    const now = Math.floor(Date.now() / 1000);
    if (typeof c.iat !== 'number' || typeof c.exp !== 'number' || c.exp - c.iat > 3600 || c.exp < now || Math.abs(c.iat - now) > 300)
      return this.refuse(res, 400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    const refused = this.refuseNext.shift();
    if (refused) return this.refuse(res, 400, refused, 'Invalid grant: account not found');
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.issued.add(token);
    sendJson(res, 200, { access_token: token, expires_in: this.expiresIn, token_type: 'Bearer' });
  }
}

export async function startGoogleTokenFake(): Promise<GoogleTokenFake> {
  return new GoogleTokenFake().start();
}
