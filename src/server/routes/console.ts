/**
 * Console sign-in and sessions: `POST /v1/console/sign-in` (email and password, or the admin key),
 * `GET /v1/console/session`, `POST /v1/console/sign-out` and `POST /v1/console/sign-out-everywhere`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../domain/errors.js';
import type { ActiveSession, ConsoleSessionStore, SessionIdentity } from '../../store/console-sessions.js';
import type { ConsoleUserStore } from '../../store/console-users.js';
import type { KeyStore } from '../../store/keys.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../../store/password-hash.js';
import { sessionOf } from '../actor.js';
import { CONSOLE, CONSOLE_PUBLIC } from '../audience.js';
import { SignInSchema } from '../console-api.js';
import { sessionView } from '../console-views.js';
import { checkOrigin } from '../csrf.js';
import { clearSessionCookie } from '../session-cookie.js';
import { startSession } from '../session-start.js';
import type { SignInGuard } from '../sign-in-guard.js';
import { parseBody } from './admin.js';

export interface ConsoleRouteDeps {
  users: ConsoleUserStore;
  sessions: ConsoleSessionStore;
  keys: KeyStore;
  guard: SignInGuard;
  publicUrl: () => string;
}

/** One answer for every wrong password, unknown email and disabled user, so none of them can be told apart. */
const wrongPassword = () => new GatewayError('invalid_credentials', 'The email or password is wrong.');
const wrongAdminKey = () => new GatewayError('invalid_credentials', 'The admin key is wrong.', { param: 'admin_key' });

export function consoleRoutes(app: FastifyInstance, d: ConsoleRouteDeps): void {
  /** Who the credentials name, or a refusal after the failure's pause. */
  const identify = async (req: FastifyRequest): Promise<SignInIdentity> => {
    const body = parseBody(SignInSchema, req.body);
    if ('admin_key' in body) {
      const attempt = await d.guard.admit({ ip: req.ip });
      const key = await d.keys.authenticate(body.admin_key);
      if (!key?.isAdmin) {
        await attempt.failed();
        throw wrongAdminKey();
      }
      await attempt.succeeded();
      return { identity: { kind: 'admin_key', keyId: key.id } };
    }
    const attempt = await d.guard.admit({ email: body.email, ip: req.ip });
    const user = await d.users.byEmail(body.email);
    // An unknown email is checked against a dummy hash: the answer takes as long as for a known one.
    const matches = await verifyPassword(body.password, user?.password_hash ?? (await dummyHash()));
    if (!user || !matches || user.disabled_at !== null) {
      await attempt.failed();
      throw wrongPassword();
    }
    await attempt.succeeded();
    const rehashed = needsRehash(user.password_hash) ? await hashPassword(body.password) : undefined;
    return { identity: { kind: 'user', user }, rehashed };
  };

  // Signing in is the console's call, not a client's, though anyone may make it.
  app.post('/v1/console/sign-in', CONSOLE_PUBLIC, async (req, reply) => {
    // A sign-in forged from another site would sign the browser in as the forger: refuse foreign pages.
    checkOrigin(req, d.publicUrl());
    const { identity, rehashed } = await identify(req);
    if (identity.kind === 'user') await d.users.signedIn(identity.user.id, rehashed);
    return startSession(d, req, reply, identity);
  });

  const view = async (s: ActiveSession) => sessionView(s, !(await d.users.hasOperator()));

  app.get('/v1/console/session', CONSOLE, async (req) => view(sessionOf(req)));

  app.post('/v1/console/sign-out', CONSOLE, async (req, reply) => {
    await d.sessions.end(sessionOf(req).idHash);
    clearSessionCookie(reply, d.publicUrl());
    return reply.code(204).send();
  });

  app.post('/v1/console/sign-out-everywhere', CONSOLE, async (req, reply) => {
    await d.sessions.endAllOf(sessionOf(req).identity);
    clearSessionCookie(reply, d.publicUrl());
    return reply.code(204).send();
  });
}

interface SignInIdentity {
  identity: SessionIdentity;
  /** The password hashed with today's parameters, when the stored hash used older ones. */
  rehashed?: string;
}
