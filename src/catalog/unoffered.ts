/**
 * Models the catalog knows but this gateway does not offer, and the variables that would offer each. The 404
 * of every route that names a model and the start-up log say it in these words, so they never drift apart.
 */
import { GatewayError } from '../domain/errors.js';
import type { Catalog } from './catalog.js';

/**
 * "OPENAI_API_KEY", "OPENAI_API_KEY or AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY": one alternative per
 * route, in route order, each naming every variable that route lacks.
 */
function whatOffers(catalog: Catalog, id: string): string {
  const alternatives = [...new Set(catalog.lackingVariables(id).map((vars) => vars.join(' with ')))].filter(Boolean);
  return alternatives.length ? alternatives.join(' or ') : "its route's credentials";
}

/** Every catalog model this gateway does not offer, with what the operator sets to offer it. */
export function unofferedModels(catalog: Catalog): Record<string, string> {
  return Object.fromEntries(
    catalog
      .availability()
      .filter((m) => !m.available)
      .map((m) => [m.id, whatOffers(catalog, m.id)]),
  );
}

/** The 404 for a model name that resolves to nothing offered: unknown, or known with its provider unconfigured. */
export function modelNotFound(catalog: Catalog, name: string): GatewayError {
  const id = catalog.catalogIdOf(name);
  const why =
    id === undefined
      ? 'does not exist on this gateway'
      : `is not offered on this gateway: its provider is not configured (the operator sets ${whatOffers(catalog, id)} to offer it)`;
  return new GatewayError('model_not_found', `The model "${name}" ${why}. See GET /v1/models?recommended_for=image for the models offered.`, {
    param: 'model',
  });
}
