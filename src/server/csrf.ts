/**
 * Cross-site request forgery: a request the session cookie authenticates may change something only when it
 * also carries the session's CSRF token (which another site's page cannot read) and, when it says where it
 * comes from, comes from the gateway's own origin. Requests with a key need neither: no browser adds a key.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../domain/errors.js';
import { CSRF_HEADER } from './console-api.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const changesState = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

const refused = (why: string) => new GatewayError('permission_denied', `CSRF check failed: ${why}`, { param: CSRF_HEADER });

/** Refuses a request whose Origin header, when it has one, is not the gateway's own (from IMAGEGATE_PUBLIC_URL). */
export function checkOrigin(req: FastifyRequest, publicUrl: string): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origin !== new URL(publicUrl).origin) throw refused(`the request comes from ${JSON.stringify(origin)}, not from this gateway's origin.`);
}

/** Refuses a state-changing request that lacks the session's token or comes from another origin. */
export function checkCsrf(req: FastifyRequest, csrfToken: string, publicUrl: string): void {
  if (!changesState(req.method)) return;
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent === '') throw refused(`send the session's csrf_token in the ${CSRF_HEADER} header.`);
  const a = Buffer.from(sent);
  const b = Buffer.from(csrfToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw refused(`the ${CSRF_HEADER} header does not match this session's csrf_token.`);
  checkOrigin(req, publicUrl);
}
