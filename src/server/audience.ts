/**
 * Who may call a route. Every route states its audience in its own options (`{ config: { audience } }`), and
 * one onRequest hook enforces it from the route that matched — never from the URL text, which the router
 * decodes and normalizes (percent-escapes, absolute-form targets) after any text comparison would have run.
 * A route registered without an audience fails the server's start.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { GatewayError } from '../domain/errors.js';
import type { ActiveSession, ConsoleSessionStore } from '../store/console-sessions.js';
import type { KeyStore } from '../store/keys.js';
import type { RequestTraffic } from '../store/schema.js';
import { sessionActorId } from './actor.js';
import { authenticate, presentedKey, requireAdmin } from './auth.js';
import { checkCsrf } from './csrf.js';
import { sessionCookie } from './session-cookie.js';

/**
 * - `public`: anyone (health checks; signed file URLs, whose signature is the credential; sign-in).
 * - `client`: any valid API key; the handler sees `req.principal`.
 * - `console`: any signed-in console session (the session itself: who it is, signing out).
 * - `member`: the console session of a member of one account; the handler sees `req.memberAccountId`, and
 *   reads and changes that account only.
 * - `admin`: the admin key, or the console session of an operator or of an admin-key sign-in.
 *
 * A request that carries a key is authenticated by the key alone, whatever cookie it also sends. A request
 * authenticated by the session cookie passes the CSRF check before it may change anything.
 */
export type Audience = 'public' | 'client' | 'console' | 'member' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    audience?: Audience;
    /** Whose call the request log records; by default the audience says (see trafficOf). */
    traffic?: RequestTraffic;
  }
  interface FastifyInstance {
    /** Every registered route with its audience, for audits and the test that checks them all. */
    declaredRoutes: DeclaredRoute[];
  }
  interface FastifyRequest {
    /** On `member` routes: the account of the member whose session this is. */
    memberAccountId?: string;
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
export const CONSOLE = forAudience('console');
export const MEMBER = forAudience('member');
/** Public routes of the console itself (its config, sign-in, sign-up): anyone, logged as console traffic. */
export const CONSOLE_PUBLIC = { config: { audience: 'public' as Audience, traffic: 'admin' as RequestTraffic } };
export const ADMIN = forAudience('admin');

export class MissingAudienceError extends Error {
  constructor(route: Pick<RouteOptions, 'method' | 'url'>) {
    super(
      `The route ${String(route.method)} ${route.url} declares no audience: add { config: { audience: 'public' | 'client' | 'console' | 'member' | 'admin' } } to its options.`,
    );
  }
}

/** The audience of the matched route. A request that matched no route is treated as a client's. */
export function audienceOf(req: FastifyRequest): Audience {
  return req.is404 ? 'client' : (req.routeOptions.config?.audience ?? 'client');
}

/**
 * Whose call a request is, for the request log: admin and console routes (and the public sign-in, which says
 * so in its options) are the operators' and the console's own; everything else is client traffic.
 */
export function trafficOf(req: FastifyRequest): RequestTraffic {
  if (req.is404) return 'client';
  const config = req.routeOptions.config;
  if (config?.traffic) return config.traffic;
  const audience = audienceOf(req);
  return audience === 'admin' || audience === 'console' || audience === 'member' ? 'admin' : 'client';
}

export interface AudienceGateDeps {
  keys: KeyStore;
  sessions: ConsoleSessionStore;
  /** The gateway's public URL (read per request: it is known only once the server listens on port 0). */
  publicUrl: () => string;
}

/** A session may use the admin API when it is an operator's or was opened with the admin key. */
const administers = (s: ActiveSession) => s.identity.kind === 'admin_key' || s.identity.user.role === 'operator';

/** Installs the registration check and the one hook that enforces audiences. Call before any route is added. */
export function installAudienceGate(app: FastifyInstance, deps: AudienceGateDeps): void {
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
    if (audience === 'client' || presentedKey(req) !== undefined) {
      const principal = await authenticate(req, deps.keys);
      if (audience === 'console' || audience === 'member') {
        throw new GatewayError('permission_denied', 'This endpoint is for console sessions: sign in at POST /v1/console/sign-in.');
      }
      if (audience === 'admin') req.actorId = requireAdmin(req).key.id;
      else req.actorId = principal.key.id;
      return;
    }
    const session = await liveSession(req, deps.sessions, audience);
    checkCsrf(req, session.csrfToken, deps.publicUrl());
    if (audience === 'admin' && !administers(session)) {
      throw new GatewayError('permission_denied', 'This endpoint needs an operator: members of an account cannot use the admin API.');
    }
    if (audience === 'member') req.memberAccountId = memberAccount(session);
    req.consoleSession = session;
    req.actorId = sessionActorId(session);
  });
}

/** The account a member's session acts on; an operator's or admin-key session has none to act on here. */
function memberAccount(s: ActiveSession): string {
  if (s.identity.kind === 'user' && s.identity.user.role === 'member' && s.identity.user.account_id) return s.identity.user.account_id;
  throw new GatewayError('permission_denied', "This endpoint is for a member of an account: an operator's pages are under the admin API.");
}

async function liveSession(req: FastifyRequest, sessions: ConsoleSessionStore, audience: 'console' | 'member' | 'admin'): Promise<ActiveSession> {
  const id = sessionCookie(req);
  if (id === undefined && audience === 'admin') {
    throw new GatewayError('invalid_api_key', 'No API key was sent. Send "Authorization: Bearer <admin key>", or sign in to the console as an operator.');
  }
  const session = id === undefined ? undefined : await sessions.authenticate(id);
  if (!session) throw new GatewayError('not_signed_in', 'Not signed in, or the session has ended: sign in at POST /v1/console/sign-in.');
  return session;
}
