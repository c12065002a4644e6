/**
 * GET /v1/admin/models: every model of the catalog, offered or not, and for one that is not, which
 * environment variable each of its routes lacks. Variable names only: their values never leave the process.
 */
import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../catalog/catalog.js';
import { ADMIN } from '../audience.js';

export function adminModelRoutes(app: FastifyInstance, catalog: Catalog): void {
  app.get('/v1/admin/models', ADMIN, async () => ({
    object: 'list',
    currency: catalog.currency,
    unit: 'micro',
    data: catalog.availability().map((m) => ({
      id: m.id,
      object: 'admin.model',
      owned_by: m.spec.owned_by,
      providers: [...new Set(m.routes.map((r) => r.provider))],
      operations: Object.keys(m.spec.operations),
      mode: m.spec.mode,
      price: m.spec.price,
      available: m.available,
      // Only when no route can serve it: the variables that would make one usable.
      ...(m.available ? {} : { unavailable_because: m.routes.map((r) => ({ route: r.id, provider: r.provider, missing_env: r.missing_env ?? null })) }),
      routes: m.routes,
    })),
  }));
}
