/**
 * What distinguishes one upstream that speaks OpenAI's Images API from another (OpenAI itself, xAI): its
 * provider key, its name in messages, which public params it takes under which field, how its models
 * behave, the route options that become headers, and how its error bodies read. plan.ts, request.ts and
 * response.ts are written once against this; each upstream supplies its own.
 */
import type { Route } from '../../domain/adapter.js';
import type { GatewayError } from '../../domain/errors.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import type { UpstreamResponse } from '../http.js';
import type { Endpoint, FieldRule, ModelProfile } from './mapping.js';
import type { OpenAIImagesResponse } from './response.js';

/** Where one route's Images requests go and how they authenticate. */
export interface ImagesApiTarget {
  /** The full URL of an images endpoint (query included). */
  url(endpoint: Endpoint): string;
  /** Auth and account headers. */
  headers: Record<string, string>;
  /** The `model` the body names, when the host wants another name than the route's upstream model (Azure's deployment). */
  bodyModel?: string;
}

export interface ImagesApiFlavour {
  /** The catalog's provider key. */
  readonly name: string;
  /** The upstream's name in messages, e.g. "OpenAI". */
  readonly who: string;
  /** Public param → upstream field. A param missing here is refused with a 400 naming it. */
  readonly fieldMap: Readonly<Record<string, FieldRule>>;
  /**
   * Fields missing from `fieldMap` that the catalog model lists go upstream under their own name, on every
   * endpoint: for hosts whose contract the operator declares (self-hosted OpenAI-compatible servers).
   */
  readonly passesListedFields?: boolean;
  /** Params every model of the upstream takes; the rest must be among the catalog model's fields. */
  readonly commonParams: readonly string[];
  /** undefined for a model the tables do not know (an operator's own entry). */
  profileFor(upstreamModel: string): ModelProfile | undefined;
  /** Route options (catalog `routes[].options`) → the header each becomes. */
  readonly routeOptionHeaders: Readonly<Record<string, string>>;
  /** An error status → the GatewayError it means. */
  toError(res: UpstreamResponse): GatewayError;
  /** A 200 answer in the images shape → the result (where an upstream marks images its moderation withheld). */
  toResult(body: OpenAIImagesResponse, job: ImageJob, upstreamRequestId: string | undefined): ImageResult;
  /**
   * Where a route's requests go, for a host with its own paths and auth (Azure OpenAI); absent,
   * `{base URL}/images/{endpoint}` with the key as a bearer token and the route option headers.
   */
  target?(route: Route): ImagesApiTarget;
  /** Headers that may carry the upstream's request id, the preferred first; absent, `x-request-id`. */
  readonly requestIdHeaders?: readonly string[];
  /** The route's options as this upstream reads them, checked at start (ProviderAdapter.checkRoute). */
  checkRoute?(route: Route): string | undefined;
}

export function requestIdOf(flavour: Pick<ImagesApiFlavour, 'requestIdHeaders'>, res: { header(name: string): string | undefined }): string | undefined {
  for (const name of flavour.requestIdHeaders ?? ['x-request-id']) {
    const id = res.header(name);
    if (id) return id;
  }
  return undefined;
}
