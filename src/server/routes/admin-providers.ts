/**
 * GET /v1/admin/providers: per provider, whether it is configured, and per route its upstream attempts by
 * outcome, latency and circuit state. Attempts and circuits are this process's own (since it started): with
 * several instances, each answers for itself.
 */
import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../catalog/catalog.js';
import type { CircuitBreakers } from '../../pipeline/dispatch.js';
import { ADMIN } from '../audience.js';
import type { UpstreamStats } from '../upstream-stats.js';

export function adminProviderRoutes(app: FastifyInstance, d: { catalog: Catalog; breakers: CircuitBreakers; upstream: UpstreamStats }): void {
  app.get('/v1/admin/providers', ADMIN, async () => {
    const now = Date.now();
    const routes = d.catalog.availability().flatMap((m) => m.routes.map((r) => ({ ...r, model: m.id })));
    return {
      object: 'list',
      scope: 'process',
      data: d.catalog.providerAvailability().map((p) => ({
        object: 'admin.provider',
        name: p.name,
        builtin: p.spec.builtin,
        configured: p.configured,
        missing_env: p.missing_env ?? null,
        routes: routes
          .filter((r) => r.provider === p.name)
          .map((r) => {
            const stats = d.upstream.route(r.id, r.provider);
            const circuit = d.breakers.describe(r.id, now);
            return {
              id: r.id,
              model: r.model,
              configured: r.configured,
              missing_env: r.missing_env ?? null,
              attempts: stats.attempts,
              latency_ms: stats.latency_ms,
              circuit: {
                state: circuit.state,
                failures: circuit.failures,
                open_until: circuit.open_until === undefined ? null : new Date(circuit.open_until).toISOString(),
              },
            };
          }),
      })),
    };
  });
}
