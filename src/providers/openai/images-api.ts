/**
 * Where an OpenAI Images API request goes and how it presents its credential, and how that host's failures
 * read. OpenAI itself is one such host; Azure OpenAI serves the same protocol under its own paths, auth
 * header and error codes. Planning, the request body, streaming and the answer are shared: only this differs.
 */
import type { GatewayError } from '../../domain/errors.js';
import type { Route } from '../../domain/adapter.js';
import type { UpstreamResponse } from '../http.js';
import type { Endpoint } from './mapping.js';

export interface ImagesApiTarget {
  /** The full URL of an images endpoint (query included). */
  url(endpoint: Endpoint): string;
  /** Auth and account headers. */
  headers: Record<string, string>;
  /** The `model` the body names, when the host wants another name than the route's upstream model (Azure's deployment). */
  bodyModel?: string;
}

export interface ImagesApiHost {
  /** The catalog's provider key. */
  readonly name: string;
  /** The upstream's name in messages. */
  readonly who: string;
  target(route: Route): ImagesApiTarget;
  /** The route's options as the host reads them, checked at start (ProviderAdapter.checkRoute). */
  checkRoute?(route: Route): string | undefined;
  toError(res: UpstreamResponse): GatewayError;
  /** Headers that may carry the host's request id on answers, the preferred first. */
  readonly requestIdHeaders: readonly string[];
}

export function requestIdOf(host: ImagesApiHost, res: { header(name: string): string | undefined }): string | undefined {
  for (const name of host.requestIdHeaders) {
    const id = res.header(name);
    if (id) return id;
  }
  return undefined;
}
