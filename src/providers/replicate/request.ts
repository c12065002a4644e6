/**
 * The Replicate HTTP calls (Replicate's HTTP API reference, replicate.com/docs/reference/http): create a
 * prediction on an official model (`POST /v1/models/{owner}/{name}/predictions`) or on a pinned version
 * (`POST /v1/predictions` with `version`), get it, cancel it. Every call carries `Authorization: Bearer`.
 */
import type { CallContext, Route } from '../../domain/adapter.js';
import { invalidRequest } from '../../domain/errors.js';
import type { InputImage } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import { MAX_DATA_URI_BYTES, MAX_WAIT_SECONDS } from './mapping.js';
import type { JsonObject, ReplicatePlan } from './plan.js';

/**
 * Time kept free between the end of `Prefer: wait` and the request's deadline (ms): the create call must
 * answer, with the prediction's id, before the deadline cuts it off, or the prediction runs on unknown.
 */
export const WAIT_MARGIN_MS = 5_000;

const base = (route: Route) => route.baseUrl.replace(/\/+$/, '');
const auth = (route: Route) => ({ authorization: `Bearer ${route.apiKey}` });

/**
 * Route option `version`: the model version a route pins, instead of the official model's current one. It may
 * be written `owner/name:id`, as replicate.com shows it; the bare id is sent, the form every API version takes.
 */
export const versionOf = (route: Route): string | undefined =>
  typeof route.options.version === 'string' ? route.options.version.slice(route.options.version.lastIndexOf(':') + 1) : undefined;

/** Route option `cancel_after`: Replicate's own deadline for the prediction (`Cancel-After`, e.g. `5m`). */
export const cancelAfterOf = (route: Route): string | undefined => (typeof route.options.cancel_after === 'string' ? route.options.cancel_after : undefined);

/** Route option `wait`: seconds a create call may hold for the result (`Prefer: wait`), 60 at most, 0 never. */
export function waitCapOf(route: Route): number {
  const wait = route.options.wait;
  return typeof wait === 'number' ? wait : MAX_WAIT_SECONDS;
}

/**
 * Seconds a create call waits when someone follows the job's progress (a task): a prediction says how far it
 * is only when polled, so polling starts soon rather than after a minute of silence.
 */
export const WATCHED_WAIT_SECONDS = 5;

/**
 * `Prefer: wait=N`: the route's cap (WATCHED_WAIT_SECONDS at most when progress is watched), bounded by what
 * the deadline leaves after WAIT_MARGIN_MS; none when that is under a second (the create call then answers
 * at once and the prediction is polled).
 */
export function preferWait(route: Route, deadline: number, opts: { watched?: boolean; now?: number } = {}): string | undefined {
  const cap = Math.min(waitCapOf(route), MAX_WAIT_SECONDS, opts.watched ? WATCHED_WAIT_SECONDS : MAX_WAIT_SECONDS);
  const seconds = Math.min(cap, Math.floor((deadline - (opts.now ?? Date.now()) - WAIT_MARGIN_MS) / 1000));
  return seconds >= 1 ? `wait=${seconds}` : undefined;
}

/**
 * How the image reaches Replicate: the client's own public URL when it sent one, else inline as a data URI
 * when it fits Replicate's inline limit, else a short-lived signed URL at which the gateway serves it.
 */
async function imageReference(image: InputImage, ctx: CallContext): Promise<string> {
  if (image.sourceUrl) return image.sourceUrl;
  if (image.bytes.length <= MAX_DATA_URI_BYTES) return `data:${image.mime};base64,${image.bytes.toString('base64')}`;
  if (ctx.publishInput) return ctx.publishInput(image.bytes, image.mime);
  throw invalidRequest(image.field, `The image is ${image.bytes.length} bytes; Replicate takes at most ${MAX_DATA_URI_BYTES} inline. Send it as a URL.`);
}

export async function createRequest(plan: ReplicatePlan, route: Route, ctx: CallContext): Promise<UpstreamRequest> {
  const input: JsonObject = { ...plan.input };
  if (plan.image) input[plan.image.field] = await imageReference(plan.image.image, ctx);
  const version = versionOf(route);
  const wait = preferWait(route, ctx.deadline, { watched: ctx.onProgress !== undefined });
  const cancelAfter = cancelAfterOf(route);
  return {
    method: 'POST',
    url: version ? `${base(route)}/v1/predictions` : `${base(route)}/v1/models/${route.upstreamModel}/predictions`,
    headers: {
      ...auth(route),
      'content-type': 'application/json',
      ...(wait ? { prefer: wait } : {}),
      ...(cancelAfter ? { 'cancel-after': cancelAfter } : {}),
    },
    body: JSON.stringify(version ? { version, input } : { input }),
  };
}

export const getRequest = (route: Route, id: string): UpstreamRequest => ({
  method: 'GET',
  url: `${base(route)}/v1/predictions/${encodeURIComponent(id)}`,
  headers: auth(route),
});

export const cancelRequest = (route: Route, id: string): UpstreamRequest => ({
  method: 'POST',
  url: `${base(route)}/v1/predictions/${encodeURIComponent(id)}/cancel`,
  headers: auth(route),
});
