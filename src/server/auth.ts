/**
 * API-key authentication: `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic-style
 * clients). Attaches the Principal to the request.
 */
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { KeyStore } from '../store/keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x.trim() ? x.trim() : undefined;
}

/**
 * Why no key was found. An Authorization header that is there but not `Bearer <key>` (a bare key, `Basic …`,
 * `Token …`) is the commonest first-hour mistake, so it is answered apart; its value is never echoed.
 */
function noKeyError(req: FastifyRequest): GatewayError {
  if (typeof req.headers.authorization === 'string' && req.headers.authorization.trim() !== '') {
    return new GatewayError(
      'invalid_api_key',
      'The Authorization header does not hold a bearer key. Send the key as "Authorization: Bearer <key>" (the word Bearer, a space, then the key), or alone as "x-api-key: <key>".',
    );
  }
  return new GatewayError('invalid_api_key', 'No API key was sent. Send "Authorization: Bearer <key>" or "x-api-key: <key>".');
}

export async function authenticate(req: FastifyRequest, keys: KeyStore): Promise<Principal> {
  const secret = presentedKey(req);
  if (!secret) throw noKeyError(req);
  const key = await keys.authenticate(secret);
  if (!key) throw new GatewayError('invalid_api_key', 'The API key is not valid: it is wrong, revoked or expired.');
  const principal: Principal = { key, accountId: key.accountId, isAdmin: key.isAdmin };
  req.principal = principal;
  return principal;
}

export function requireAdmin(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p?.isAdmin) throw new GatewayError('permission_denied', 'This endpoint needs the admin key.');
  return p;
}
