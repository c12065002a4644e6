/** Opening a console session for who just proved themselves (a sign-in or a sign-up): the row, the cookie, the view. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSessionStore, SessionIdentity } from '../store/console-sessions.js';
import type { ConsoleUserStore } from '../store/console-users.js';
import type { ConsoleSessionView } from './console-api.js';
import { sessionView } from './console-views.js';
import { setSessionCookie } from './session-cookie.js';

export interface SessionStartDeps {
  sessions: ConsoleSessionStore;
  users: ConsoleUserStore;
  publicUrl: () => string;
}

export async function startSession(d: SessionStartDeps, req: FastifyRequest, reply: FastifyReply, identity: SessionIdentity): Promise<ConsoleSessionView> {
  const userAgent = req.headers['user-agent'];
  const { id, session } = await d.sessions.open(identity, { ip: req.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null });
  setSessionCookie(reply, id, session.expiresAt, d.publicUrl());
  return sessionView(session, !(await d.users.hasOperator()));
}
