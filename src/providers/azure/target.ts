/**
 * An Azure route → where its Images requests go and how they authenticate: the `api-key` header for a key
 * (AZURE_OPENAI_API_KEY, or the route's own key variable), a bearer token for a Microsoft Entra token
 * (AZURE_OPENAI_AD_TOKEN). The route's options are read once into AzureRouteOptions; a value the adapter
 * cannot use is reported at start (checkRoute) and, for a route built some other way, refused at call time.
 */
import type { Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { ImagesApiTarget } from '../openai/flavour.js';
import { API_STYLES, type ApiStyle, imagesUrl, resourceRoot, WHO } from './mapping.js';

export interface AzureRouteOptions {
  style: ApiStyle;
  deployment: string;
  apiVersion: string;
}

const isStyle = (v: string): v is ApiStyle => (API_STYLES as readonly string[]).includes(v);

/** The route's options, or what is wrong with them. */
export function readRouteOptions(route: Route, defaultApiVersion: string): AzureRouteOptions | { problem: string } {
  const strings: Record<string, string | undefined> = {};
  for (const name of ['api', 'deployment', 'api_version']) {
    const value = route.options[name];
    if (value !== undefined && typeof value !== 'string') return { problem: `option ${name} must be a string` };
    strings[name] = value === '' ? undefined : value;
  }
  const style = strings.api ?? 'deployments';
  if (!isStyle(style)) return { problem: `option api must be one of ${API_STYLES.join(', ')}, not "${style}"` };
  return { style, deployment: strings.deployment ?? route.upstreamModel, apiVersion: strings.api_version ?? defaultApiVersion };
}

export function azureTarget(route: Route, defaultApiVersion: string): ImagesApiTarget {
  const options = readRouteOptions(route, defaultApiVersion);
  if ('problem' in options) {
    throw new GatewayError('upstream_error', `${WHO} route ${route.id} is misconfigured: ${options.problem}. The operator must fix the catalog.`, {
      retryable: true,
    });
  }
  const { style, deployment, apiVersion } = options;
  const root = resourceRoot(route.baseUrl);
  const headers: Record<string, string> = route.credential === 'bearer-token' ? { authorization: `Bearer ${route.apiKey}` } : { 'api-key': route.apiKey };
  return {
    url: (endpoint) => imagesUrl(root, style, deployment, endpoint, apiVersion),
    headers,
    // The v1 API routes by the body's model, which names the deployment; the deployments style routes by path.
    ...(style === 'v1' ? { bodyModel: deployment } : {}),
  };
}
