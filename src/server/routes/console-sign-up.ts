/**
 * Sign-up in the console, as IMAGEGATE_SIGNUP allows: `GET /v1/console/config` tells the sign-in page whether
 * to offer it; `POST /v1/console/sign-up` makes a member (billing/sign-up.ts) and signs them in. Attempts are
 * limited per address and per email like sign-ins, and every one counts: each success makes an account.
 */
import type { FastifyInstance } from 'fastify';
import { signUp, type SignUpDeps } from '../../billing/sign-up.js';
import type { SignupSettings } from '../../config/config.js';
import { GatewayError } from '../../domain/errors.js';
import { hashPassword } from '../../store/password-hash.js';
import { CONSOLE_PUBLIC } from '../audience.js';
import { type ConsoleConfigView, SignUpSchema } from '../console-api.js';
import { checkOrigin } from '../csrf.js';
import { type SessionStartDeps, startSession } from '../session-start.js';
import type { SignInGuard } from '../sign-in-guard.js';
import { parseBody } from './admin.js';

export interface SignUpRouteDeps extends SignUpDeps, SessionStartDeps {
  signup: SignupSettings;
  /** A guard with sign-up buckets of its own. */
  guard: SignInGuard;
}

export function consoleSignUpRoutes(app: FastifyInstance, d: SignUpRouteDeps): void {
  app.get('/v1/console/config', CONSOLE_PUBLIC, async (): Promise<ConsoleConfigView> => ({ signup: d.signup.mode }));

  app.post('/v1/console/sign-up', CONSOLE_PUBLIC, async (req, reply) => {
    // A sign-up forged from another site would sign the browser in to the forger's account: refuse foreign pages.
    checkOrigin(req, d.publicUrl());
    if (d.signup.mode === 'off') {
      // Even with an invite: with sign-up off, operators create members themselves.
      throw new GatewayError('permission_denied', 'Sign-up is off on this gateway: an operator creates console users.');
    }
    const body = parseBody(SignUpSchema, req.body);
    const attempt = await d.guard.admit({ email: body.email, ip: req.ip });
    const passwordHash = await hashPassword(body.password);
    let user: Awaited<ReturnType<typeof signUp>>;
    try {
      user = await signUp(d, {
        email: body.email,
        passwordHash,
        invite: body.invite,
        open: d.signup.mode === 'open',
        credit: d.signup.credit,
        ip: req.ip ?? null,
      });
    } catch (err) {
      await attempt.failed();
      throw err;
    }
    await d.users.signedIn(user.id, undefined);
    return startSession(d, req, reply, { kind: 'user', user: (await d.users.get(user.id)) ?? user });
  });
}
