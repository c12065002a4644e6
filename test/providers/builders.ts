/**
 * Builders every provider adapter test shares: a job, a route as the catalog builds one,
 * a call context, input images, and the GatewayError a call fails with. Each provider folder's job.ts only
 * binds its defaults (model, prompt, where its fake listens) to these.
 */
import { type CatalogData, loadCatalogData } from '../../src/catalog/load.js';
import type { GatewayError } from '../../src/domain/errors.js';
import { type ImageJob, type ImageMime, type InputImage, OPERATIONS } from '../../src/domain/job.js';
import type { CallContext, ModelFacts, Route } from '../../src/domain/adapter.js';
import { makeImage } from '../fakes/images.js';

/** A job as the pipeline hands it to an adapter, after the contract check. */
export function imageJob(over: Partial<ImageJob> & Pick<ImageJob, 'model'>): ImageJob {
  return { requestId: 'req_test', operation: 'text-to-image', prompt: 'a red fox in snow', n: 1, params: {}, images: [], responseFormat: 'b64_json', ...over };
}

let builtin: CatalogData | undefined;

/**
 * The built-in catalog's facts about model `id`, or, for a name it does not know (an operator's own model),
 * a contract that restricts nothing but its fields: every operation, any WIDTHxHEIGHT, n up to 100.
 */
export function catalogFacts(id: string, fields: ModelFacts['fields'] = {}): ModelFacts {
  builtin ??= loadCatalogData();
  const spec = Object.hasOwn(builtin.models, id) ? builtin.models[id] : undefined;
  if (spec) return spec;
  const operations = Object.fromEntries(OPERATIONS.map((op) => [op, { endpoint: '/v1/images/generations' }]));
  const anySize = { multiple_of: 1, min_width: 1, min_height: 1, max_width: 100_000, max_height: 100_000 };
  return { sizes: { values: [], rule: anySize }, fields, n: { max: 100, default: 1 }, operations };
}

/** A route of `provider` to `baseUrl` for `upstreamModel`, as the catalog builds one (with that model's facts). */
export function upstreamRoute(provider: string, baseUrl: string, upstreamModel: string, over: Partial<Route> = {}): Route {
  const name = over.upstreamModel ?? upstreamModel;
  return {
    id: `${provider}#0`,
    provider,
    baseUrl,
    apiKey: `sk-test-${provider}`,
    credential: 'api-key',
    upstreamModel: name,
    model: catalogFacts(name),
    priority: 0,
    weight: 1,
    options: {},
    ...over,
  };
}

export function callContext(ms = 10_000, over: Partial<CallContext> = {}): CallContext {
  return { signal: new AbortController().signal, deadline: Date.now() + ms, requestId: 'req_test', ...over };
}

export interface InputImageOptions {
  format?: 'png' | 'jpeg' | 'webp';
  /** An alpha channel, fully transparent. */
  alpha?: boolean;
  /** Red level of the flat colour (green is its complement): images of one size differ by shade. */
  shade?: number;
  /** Where the client said the image came from (URL-sent references). */
  sourceUrl?: string;
}

/** A real image as the input loader hands it over, sent in `field`. */
export async function inputImage(field: string, width: number, height: number, opts: InputImageOptions = {}): Promise<InputImage> {
  const format = opts.format ?? 'png';
  const shade = opts.shade ?? 90;
  const bytes = await makeImage(width, height, { format, alpha: opts.alpha, color: { r: shade, g: 255 - shade, b: 30, alpha: opts.alpha ? 0 : 1 } });
  return {
    field,
    bytes,
    mime: `image/${format}` as ImageMime,
    width,
    height,
    hasAlpha: opts.alpha === true,
    ...(opts.sourceUrl ? { sourceUrl: opts.sourceUrl } : {}),
  };
}

/** The GatewayError a call fails with, thrown or rejected; fails the test when the call succeeds. */
export async function failure(run: Promise<unknown> | (() => unknown)): Promise<GatewayError> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure, but it succeeded');
}

/** The GatewayError a synchronous call throws; fails the test when it returns. */
export function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a throw, but it returned');
}
