/** fal's queue requests: submit to the model id, then the handle's status, response and cancel URLs. `Authorization: Key …` on each. */
import type { Route } from '../../domain/adapter.js';
import type { JsonValue } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import type { FalHandle } from './handle.js';

const headersOf = (route: Route) => ({ authorization: `Key ${route.apiKey}`, accept: 'application/json' });

export function submitRequest(route: Route, modelId: string, input: Record<string, JsonValue>): UpstreamRequest {
  return {
    method: 'POST',
    url: `${route.baseUrl.replace(/\/+$/, '')}/${modelId}`,
    headers: { ...headersOf(route), 'content-type': 'application/json' },
    body: JSON.stringify(input),
  };
}

/** The status with the runner's logs (`?logs=1`), from which progress may be read. */
export function statusRequest(route: Route, handle: FalHandle): UpstreamRequest {
  const url = new URL(handle.statusUrl);
  url.searchParams.set('logs', '1');
  return { method: 'GET', url: url.href, headers: headersOf(route) };
}

export function responseRequest(route: Route, handle: FalHandle): UpstreamRequest {
  return { method: 'GET', url: handle.responseUrl.href, headers: headersOf(route) };
}

export function cancelRequest(route: Route, handle: FalHandle): UpstreamRequest {
  return { method: 'PUT', url: handle.cancelUrl.href, headers: headersOf(route) };
}
