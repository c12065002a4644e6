/**
 * GET /v1/admin/models: every model of the catalog, offered or not, and for one that is not, which
 * environment variable each of its routes lacks. Variable names only: their values never leave the process.
 * Each model carries the public contract clients read at GET /v1/models/{id}, so an operator (who has no
 * client key) sees it too, for models not offered yet as well.
 */
import type { FastifyInstance } from 'fastify';
import type { Catalog, ModelAvailability } from '../../catalog/catalog.js';
import { publicContract } from '../../catalog/public-contract.js';
import { ADMIN } from '../audience.js';

export function adminModelView(m: ModelAvailability, currency: string) {
  return {
    id: m.id,
    object: 'admin.model' as const,
    owned_by: m.spec.owned_by,
    providers: [...new Set(m.routes.map((r) => r.provider))],
    operations: Object.keys(m.spec.operations),
    mode: m.spec.mode,
    price: m.spec.price,
    available: m.available,
    // Only when no route can serve it: the variables that would make one usable.
    unavailable_because: m.available ? undefined : m.routes.map((r) => ({ route: r.id, provider: r.provider, missing_env: r.missing_env ?? null })),
    routes: m.routes,
    public_contract: publicContract(m, currency),
  };
}

export type AdminModelView = ReturnType<typeof adminModelView>;

export function adminModelRoutes(app: FastifyInstance, catalog: Catalog): void {
  app.get('/v1/admin/models', ADMIN, async () => ({
    object: 'list',
    currency: catalog.currency,
    unit: 'micro',
    data: catalog.availability().map((m) => adminModelView(m, catalog.currency)),
  }));
}
