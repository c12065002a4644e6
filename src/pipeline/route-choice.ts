/**
 * Which of a model's routes may serve a checked job. With `route_contract: intersection` (the default) the
 * contract already holds the job to what every configured route takes, so each route must take it: an
 * adapter's refusal refuses the request. With `per_route` the routes that cannot take it are left out, and
 * only when none can is the request refused, with the reason the first route (by priority) gives.
 */
import { checkContract } from '../catalog/contract.js';
import type { CatalogModel } from '../catalog/catalog.js';
import type { ProviderAdapter, Route } from '../domain/adapter.js';
import type { ImageJob } from '../domain/job.js';

export function routesFor(model: CatalogModel, job: ImageJob, adapters: ReadonlyMap<string, ProviderAdapter>): Route[] {
  if (model.spec.route_contract === 'intersection') {
    for (const route of model.routes) adapters.get(route.provider)?.validate?.(job, route);
    return model.routes;
  }
  const taking: Route[] = [];
  let refusal: { priority: number; error: unknown } | undefined;
  for (const route of model.routes) {
    try {
      const spec = model.routeSpecs.get(route.id) ?? model.spec;
      const input = { operation: job.operation, prompt: job.prompt, n: job.n, params: job.params, responseFormat: job.responseFormat };
      checkContract({ ...model, spec }, input, { dropUnsupported: false });
      adapters.get(route.provider)?.validate?.(job, route);
      taking.push(route);
    } catch (error) {
      if (!refusal || route.priority < refusal.priority) refusal = { priority: route.priority, error };
    }
  }
  if (taking.length === 0) throw refusal!.error;
  return taking;
}
