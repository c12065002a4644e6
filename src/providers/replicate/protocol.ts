/**
 * Replicate's predictions as an asynchronous upstream job (upstream-job.ts runs the life cycle): submit
 * creates the prediction, asking Replicate to hold the call open while the model runs (`Prefer: wait`), so a
 * short job answers in the create call itself; beyond that the prediction is polled by its id. The handle is
 * the prediction id: following and cancelling need nothing else, and it holds no secret.
 */
import type { CallContext, Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob } from '../../domain/job.js';
import { callUpstream } from '../http.js';
import { jobEnded, type PollSchedule, type SubmittedJob, type UpstreamJobCheck, type UpstreamJobProtocol } from '../upstream-job.js';
import { isMalformed, malformed, toError } from './errors.js';
import { REPLICATE } from './mapping.js';
import { planJob } from './plan.js';
import { cancelRequest, createRequest, getRequest } from './request.js';
import { checkOf } from './response.js';

/**
 * The official SDKs poll every 0.5 s; a gateway follows many predictions at once, so it starts there and
 * backs off to 4 s for long jobs (Replicate limits reads per minute per account).
 */
export const REPLICATE_POLLING: PollSchedule = { initialMs: 500, maxMs: 4_000, growEvery: 4, maxPollFailures: 3 };

/** A signal nothing aborts: the create call ends by its deadline only. */
const UNCUT = new AbortController().signal;

/** Time allowed for cancelling a prediction whose caller went away during the create call (ms). */
const CANCEL_TIMEOUT_MS = 10_000;

/** Statuses the create reply may hold; 201 is Replicate's, 200 and 202 are taken as the same. */
const CREATED = new Set([200, 201, 202]);

/** What the create reply already tells; a reply that cannot be read is left for the first poll to read again. */
function firstCheck(body: unknown, job: ImageJob): UpstreamJobCheck | undefined {
  try {
    return checkOf(body, job);
  } catch (e) {
    if (isMalformed(e)) return undefined;
    throw e;
  }
}

export function replicateProtocol(schedule: PollSchedule = REPLICATE_POLLING): UpstreamJobProtocol {
  return {
    who: REPLICATE,
    schedule,
    async submit(job: ImageJob, route: Route, ctx: CallContext): Promise<SubmittedJob> {
      const req = await createRequest(planJob(job, route), route, ctx);
      // An abort (a task cancelled, a client gone) does not cut the create call off: the prediction it may
      // have started is known only by this answer, and only a known prediction can be cancelled.
      const res = await callUpstream(REPLICATE, req, { signal: UNCUT, deadline: ctx.deadline, bodies: ctx.bodies });
      if (!CREATED.has(res.status)) throw toError(res, 'create', job, route);
      let body: { id?: unknown } | undefined;
      try {
        body = res.json<{ id?: unknown }>();
      } catch {
        body = undefined;
      }
      const id = body?.id;
      // Nothing to follow, and the prediction may be running: another submission could be paid twice.
      if (typeof id !== 'string' || id === '') throw malformed('the created prediction has no id', undefined, false);
      if (ctx.signal.aborted) {
        await this.cancel?.(id, route, { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS), deadline: Date.now() + CANCEL_TIMEOUT_MS }).catch(() => undefined);
        throw new GatewayError('upstream_error', `The request to ${REPLICATE} was cancelled; its prediction ${id} was cancelled upstream.`, {
          retryable: false,
        });
      }
      const check = firstCheck(body, job);
      return check ? { handle: id, check } : { handle: id };
    },
    async check(handle, job, route, ctx) {
      const res = await callUpstream(REPLICATE, getRequest(route, handle), ctx);
      if (res.status === 404) throw jobEnded(toError(res, 'get', job, route));
      if (res.status !== 200) throw toError(res, 'get', job, route);
      let body: unknown;
      try {
        body = res.json();
      } catch {
        throw malformed('the prediction is not JSON', handle);
      }
      return checkOf(body, job);
    },
    async cancel(handle, route, call) {
      const res = await callUpstream(REPLICATE, cancelRequest(route, handle), call);
      if (res.status !== 200) throw toError(res, 'cancel', { images: [], params: {} }, route);
    },
  };
}
