/**
 * Who acts in an admin or console request, as the audience hook established it: the admin key (its id), a
 * console user (their id), or a session opened with the admin key (the key's id). Handlers name the actor
 * through `actingAs` only, so the audit log and `created_by` say who it was whichever way they signed in.
 */
import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../store/audit-log.js';
import type { ActiveSession } from '../store/console-sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the audience hook on admin and console routes. */
    actorId?: string;
    /** Set by the audience hook when the request was authenticated by the session cookie. */
    consoleSession?: ActiveSession;
  }
}

/** The id a session acts under: the user's, or the admin key's for an admin-key sign-in. */
export const sessionActorId = (s: ActiveSession): string => (s.identity.kind === 'user' ? s.identity.user.id : s.identity.keyId);

export function actingAs(req: FastifyRequest): AuditActor {
  if (!req.actorId) throw new Error(`${req.method} ${req.routeOptions.url} names an actor, but its audience established none`);
  return { id: req.actorId, ip: req.ip ?? null };
}

/** The session of a console route (the audience hook guarantees one there). */
export function sessionOf(req: FastifyRequest): ActiveSession {
  if (!req.consoleSession) throw new Error(`${req.method} ${req.routeOptions.url} reads a console session, but none was established`);
  return req.consoleSession;
}

/** The account a `member` route acts on (the audience hook sets it from the member's session). */
export function memberAccountOf(req: FastifyRequest): string {
  if (!req.memberAccountId) throw new Error(`${req.method} ${req.routeOptions.url} reads a member's account, but its audience established none`);
  return req.memberAccountId;
}
