import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../catalog/catalog.js';
import { modelObject } from '../../catalog/public-contract.js';
import { modelNotFound } from '../../catalog/unoffered.js';
import { CLIENT } from '../audience.js';

export function modelRoutes(app: FastifyInstance, catalog: Catalog): void {
  app.get<{ Querystring: { recommended_for?: string } }>('/v1/models', CLIENT, async (req) => {
    const tag = req.query.recommended_for;
    const models = catalog.list().filter((m) => !tag || m.spec.recommended_for.includes(tag));
    return { object: 'list', data: models.map((m) => modelObject(m, false, catalog.currency)) };
  });

  // Model ids may contain a slash (`openai/dall-e-3`), so the id is the rest of the path.
  app.get<{ Params: { '*': string } }>('/v1/models/*', CLIENT, async (req) => {
    const id = decodeURIComponent(req.params['*']);
    const m = catalog.resolve(id);
    if (!m) throw modelNotFound(catalog, id);
    return modelObject(m, true, catalog.currency);
  });
}
