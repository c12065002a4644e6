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
  toError(res: UpstreamResponse): GatewayError;
  /** Header carrying the host's request id on answers. */
  readonly requestIdHeader: string;
}
