/**
 * An Azure route → where its Images requests go and how they authenticate: the `api-key` header for a key
 * (AZURE_OPENAI_API_KEY, or the route's own key variable), a bearer token for a Microsoft Entra token
 * (AZURE_OPENAI_AD_TOKEN).
 */
import type { Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { ImagesApiTarget } from '../openai/images-api.js';
import { API_STYLES, type ApiStyle, imagesUrl, resourceRoot, WHO } from './mapping.js';

function stringOption(route: Route, name: string): string | undefined {
  const value = route.options[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw catalogFault(route, `option ${name} must be a string`);
  return value;
}

/** A route the catalog describes wrongly: no request can fix it, and the operator must. */
function catalogFault(route: Route, why: string): GatewayError {
  return new GatewayError('upstream_error', `${WHO} route ${route.id} is misconfigured: ${why}. The operator must fix the catalog.`, { retryable: true });
}

export function azureTarget(route: Route, defaultApiVersion: string): ImagesApiTarget {
  const style = stringOption(route, 'api') ?? 'deployments';
  if (!(API_STYLES as readonly string[]).includes(style)) throw catalogFault(route, `option api must be one of ${API_STYLES.join(', ')}`);
  const deployment = stringOption(route, 'deployment') ?? route.upstreamModel;
  const apiVersion = stringOption(route, 'api_version') ?? defaultApiVersion;
  const root = resourceRoot(route.baseUrl);
  const headers: Record<string, string> = route.credential === 'bearer-token' ? { authorization: `Bearer ${route.apiKey}` } : { 'api-key': route.apiKey };
  return {
    url: (endpoint) => imagesUrl(root, style as ApiStyle, deployment, endpoint, apiVersion),
    headers,
    // The v1 API routes by the body's model, which names the deployment; the deployments style routes by path.
    ...(style === 'v1' ? { bodyModel: deployment } : {}),
  };
}
