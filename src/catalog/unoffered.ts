/**
 * Models the catalog knows but this gateway does not offer, and the variable that would offer each. The 404
 * of every route that names a model and the start-up log say it in these words, so they never drift apart.
 */
import { GatewayError } from '../domain/errors.js';
import type { Catalog, ModelAvailability } from './catalog.js';

/** The environment variables any one of which would give the model a configured route, in route order. */
function enablingVariables(model: ModelAvailability): string[] {
  return [...new Set(model.routes.flatMap((r) => (r.missing_env ? [r.missing_env] : [])))];
}

/** "OPENAI_API_KEY", "OPENAI_API_KEY or AZURE_OPENAI_API_KEY", or a plain phrase when no variable is known. */
function variablesPhrase(vars: readonly string[]): string {
  return vars.length ? vars.join(' or ') : "its route's credentials";
}

/** Every catalog model this gateway does not offer, with what the operator sets to offer it. */
export function unofferedModels(catalog: Catalog): Record<string, string> {
  return Object.fromEntries(
    catalog
      .availability()
      .filter((m) => !m.available)
      .map((m) => [m.id, variablesPhrase(enablingVariables(m))]),
  );
}

/** The 404 for a model name that resolves to nothing offered: unknown, or known with its provider unconfigured. */
export function modelNotFound(catalog: Catalog, name: string): GatewayError {
  const id = catalog.catalogIdOf(name);
  const model = id === undefined ? undefined : catalog.availability().find((m) => m.id === id);
  const why = model
    ? `is not offered on this gateway: its provider is not configured (the operator sets ${variablesPhrase(enablingVariables(model))} to offer it)`
    : 'does not exist on this gateway';
  return new GatewayError('model_not_found', `The model "${name}" ${why}. See GET /v1/models?recommended_for=image for the models offered.`, {
    param: 'model',
  });
}
