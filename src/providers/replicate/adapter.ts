/**
 * The Replicate adapter (Replicate's HTTP API reference): predictions on official models, or on a version a
 * route pins, run through the shared asynchronous life cycle (upstream-job.ts) by protocol.ts. Input
 * mapping per model in mapping.ts; results are URLs the pipeline downloads and re-hosts at once.
 *
 * Route options read (catalog `routes[].options`):
 * - `version`: a version id (64 hex digits, or `owner/name:id`) to run instead of the official model's
 *   current one, through `POST /v1/predictions`;
 * - `wait`: seconds a create call may hold for the result (`Prefer: wait`), 1–60, or 0 to always poll;
 *   60 by default, always bounded by the request's deadline;
 * - `cancel_after`: Replicate's own deadline for each prediction (`Cancel-After`, e.g. `10m`): it ends a
 *   prediction nobody follows any more (one whose create answer was lost). None by default: a sync request
 *   handed over to a task keeps following its prediction past the request's own time limit.
 */
import type { ProviderAdapter, Route } from '../../domain/adapter.js';
import { type PollSchedule, upstreamJobAdapter } from '../upstream-job.js';
import { DURATION, MAX_WAIT_SECONDS, MODEL_NAME, VERSION_ID } from './mapping.js';
import { planJob } from './plan.js';
import { REPLICATE_POLLING, replicateProtocol } from './protocol.js';

/** A route's settings this adapter cannot use, said once at start. */
export function routeProblem(route: Route): string | undefined {
  const { version, wait, cancel_after: cancelAfter } = route.options;
  if (version !== undefined && (typeof version !== 'string' || !VERSION_ID.test(version))) {
    return `option version must be a Replicate version id (64 hex digits, or owner/name:id), not ${JSON.stringify(version)}`;
  }
  if (version === undefined && !MODEL_NAME.test(route.upstreamModel)) {
    return `upstream_model must name a Replicate model as owner/name (or the route must pin a version), not "${route.upstreamModel}"`;
  }
  if (wait !== undefined && (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS)) {
    return `option wait must be whole seconds from 0 to ${MAX_WAIT_SECONDS}, not ${JSON.stringify(wait)}`;
  }
  if (cancelAfter !== undefined && (typeof cancelAfter !== 'string' || !DURATION.test(cancelAfter))) {
    return `option cancel_after must be a duration such as 90s, 10m or 1h30m, not ${JSON.stringify(cancelAfter)}`;
  }
  return undefined;
}

export function createReplicateAdapter(schedule: PollSchedule = REPLICATE_POLLING): ProviderAdapter {
  return upstreamJobAdapter('replicate', replicateProtocol(schedule), {
    validate: (job, route) => void planJob(job, route),
    checkRoute: routeProblem,
  });
}
