/**
 * A graceful stop of the HTTP side: no new connections, requests in flight run to completion, and only what
 * is still running when the grace period ends is cut (its client is gone, so its hold is refunded, never
 * charged). New requests that arrive on an open keep-alive connection meanwhile get a 503 and
 * `Connection: close` (Fastify's `return503OnClosing`), so clients retry on another instance.
 */
import type { FastifyInstance } from 'fastify';

/** How often connections that finished their request are closed while draining. */
const IDLE_SWEEP_MS = 50;

export async function drainServer(app: FastifyInstance, graceMs: number): Promise<{ cut: boolean }> {
  let cut = false;
  // Node closes idle connections once when the listener closes; one that finishes its request later would
  // otherwise stay open until its keep-alive timeout and hold the close up.
  const idle = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  const force = setTimeout(() => {
    cut = true;
    app.server.closeAllConnections();
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(force);
  }
  return { cut };
}
