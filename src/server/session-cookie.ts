/**
 * The console's session cookie: read from the one `Cookie` header, written HttpOnly (no script can read it),
 * SameSite=Strict (no other site's page sends it), Path=/, and Secure when the gateway's public URL is https.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './console-api.js';

/** The raw session id the request carries, if any. */
export function sessionCookie(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    // Ids are 32 random bytes in base64url: anything else is not one of ours.
    return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }
  return undefined;
}

function attributes(publicUrl: string, maxAgeSeconds: number): string {
  const secure = publicUrl.toLowerCase().startsWith('https:') ? '; Secure' : '';
  return `; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
}

export function setSessionCookie(reply: FastifyReply, id: string, expiresAt: number, publicUrl: string): void {
  const maxAge = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  reply.header('set-cookie', `${SESSION_COOKIE}=${id}${attributes(publicUrl, maxAge)}`);
}

export function clearSessionCookie(reply: FastifyReply, publicUrl: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${attributes(publicUrl, 0)}`);
}
