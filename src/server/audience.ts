/**
 * Who may call a route. Every route states its audience in its own options (`{ config: { audience } }`), and
 * one onRequest hook enforces it from the route that matched — never from the URL text, which the router
 * decodes and normalizes (percent-escapes, absolute-form targets) after any text comparison would have run.
 * A route registered without an audience fails the server's start.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { KeyStore } from '../store/keys.js';
import { authenticate, requireAdmin } from './auth.js';

/**
 * - `public`: anyone (health checks; signed file URLs, whose signature is the credential).
 * - `client`: any valid API key; the handler sees `req.principal`.
 * - `admin`: an admin key only.
 */
export type Audience = 'public' | 'client' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    audience?: Audience;
  }
  interface FastifyInstance {
    /** Every registered route with its audience, for audits and the test that checks them all. */
    declaredRoutes: DeclaredRoute[];
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  audience: Audience;
}

/** Route options that declare an audience: `app.get(path, forAudience('admin'), handler)`. */
export function forAudience(audience: Audience): { config: { audience: Audience } } {
  return { config: { audience } };
}

export const PUBLIC = forAudience('public');
export const CLIENT = forAudience('client');
export const ADMIN = forAudience('admin');

export class MissingAudienceError extends Error {
  constructor(route: Pick<RouteOptions, 'method' | 'url'>) {
    super(`The route ${String(route.method)} ${route.url} declares no audience: add { config: { audience: 'public' | 'client' | 'admin' } } to its options.`);
  }
}

/** The audience of the matched route. A request that matched no route is treated as a client's. */
export function audienceOf(req: FastifyRequest): Audience {
  return req.is404 ? 'client' : (req.routeOptions.config?.audience ?? 'client');
}

/** Installs the registration check and the one hook that enforces audiences. Call before any route is added. */
export function installAudienceGate(app: FastifyInstance, keys: KeyStore): void {
  const declared: DeclaredRoute[] = [];
  app.decorate('declaredRoutes', declared);
  app.addHook('onRoute', (route) => {
    const audience = route.config?.audience;
    if (!audience) throw new MissingAudienceError(route);
    for (const method of [route.method].flat()) declared.push({ method, url: route.url, audience });
  });
  app.addHook('onRequest', async (req) => {
    const audience = audienceOf(req);
    if (audience === 'public') return;
    await authenticate(req, keys);
    if (audience === 'admin') requireAdmin(req);
  });
}
