/**
 * The signed assertion of Google's service-account flow (RFC 7523 JWT bearer grant): an RS256 JWT by the
 * account's private key, with node:crypto, so no auth library is needed for one signature per hour.
 */
import { createSign } from 'node:crypto';
import type { ServiceAccount } from './service-account.js';

/** Vertex AI takes the cloud-platform scope (Google's Vertex AI auth docs). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Google accepts an assertion valid for at most an hour. */
export const ASSERTION_LIFETIME_S = 3600;

const base64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function signAssertion(account: ServiceAccount, tokenUrl: string, nowS: number): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) };
  const claims = { iss: account.client_email, scope: CLOUD_PLATFORM_SCOPE, aud: tokenUrl, iat: nowS, exp: nowS + ASSERTION_LIFETIME_S };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(account.private_key);
  return `${unsigned}.${base64url(signature)}`;
}
