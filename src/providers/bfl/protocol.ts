/**
 * BFL's asynchronous job as an UpstreamJobProtocol: submit to the model's endpoint, then read the polling
 * URL BFL returned until `Ready` (BFL's API reference, get_result; integration guidelines for polling).
 * `result.sample` is a delivery URL that expires after 10 minutes: it is returned as a remote payload, which
 * the pipeline downloads and hosts at once. BFL documents no way to cancel a submitted job, so there is no
 * cancel: a canceled task leaves the BFL job to finish unread.
 */
import type { CallContext, Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob } from '../../domain/job.js';
import { callUpstream } from '../http.js';
import { redact } from '../redact.js';
import { jobEnded, type PollSchedule, type SubmittedJob, type UpstreamJobCheck, type UpstreamJobProtocol } from '../upstream-job.js';
import { malformed, toError } from './errors.js';
import { decodeHandle, handleOfSubmit } from './handle.js';
import { BFL, STATUS } from './mapping.js';
import { planJob } from './plan.js';
import { pollRequest, submitRequest } from './request.js';

/** BFL's examples poll every 0.5 s; growing to 4 s keeps a long queue cheap to watch. */
export const BFL_SCHEDULE: PollSchedule = { initialMs: 500, maxMs: 4000, growEvery: 4, maxPollFailures: 3 };

interface ResultReply {
  id?: unknown;
  status?: unknown;
  result?: { sample?: unknown } | null;
  progress?: unknown;
  details?: unknown;
}

/** BFL's `progress` as a percentage: a fraction 0..1 (assumed; the schema says only "number"), or a percentage above 1. */
export function percentOf(progress: unknown): number | undefined {
  if (typeof progress !== 'number' || !Number.isFinite(progress) || progress < 0) return undefined;
  return Math.min(100, Math.round(progress <= 1 ? progress * 100 : progress));
}

const detailOf = (details: unknown) => (details && typeof details === 'object' ? ` (${redact(JSON.stringify(details))})` : '');

const notFound = (id: string) =>
  // Nothing will come of this job, and nothing was produced: a fresh attempt is safe.
  new GatewayError('upstream_error', `${BFL} does not know task ${id} (it expired or the id is wrong).`, {
    retryable: true,
    details: { upstream_task_id: id },
  });

function settle(reply: ResultReply, id: string, job: ImageJob): UpstreamJobCheck {
  switch (reply.status) {
    case STATUS.ready: {
      const sample = reply.result?.sample;
      if (typeof sample !== 'string' || sample === '') throw malformed('a Ready task without result.sample');
      return { state: 'done', result: { images: [{ payload: { kind: 'remote', url: sample } }], failedCount: 0 } };
    }
    case STATUS.requestModerated: {
      const what = job.images.length ? 'the prompt or the input image' : 'the prompt';
      return fail(
        new GatewayError(
          'content_policy_violation',
          `${BFL}'s moderation refused ${what}${detailOf(reply.details)}. Nothing was charged; change it and try again.`,
          {
            param: job.images.length ? null : 'prompt',
          },
        ),
      );
    }
    case STATUS.contentModerated:
      return fail(
        new GatewayError(
          'content_policy_violation',
          `${BFL}'s moderation withheld the generated image${detailOf(reply.details)}. Nothing was charged; change the prompt.`,
          {
            param: null,
          },
        ),
      );
    case STATUS.error:
      return fail(new GatewayError('upstream_error', `The ${BFL} task ${id} failed${detailOf(reply.details)}.`, { retryable: false }));
    case STATUS.notFound:
      return fail(notFound(id));
    default:
      // Pending, or a status newer than this code (assumed still running).
      return { state: 'waiting', ...optional(percentOf(reply.progress)) };
  }
}

const optional = (progress: number | undefined) => (progress === undefined ? {} : { progress });

/** The job's own end upstream (moderated, failed, forgotten): not a failed look (upstream-job.ts). */
function fail(e: GatewayError): never {
  throw jobEnded(e);
}

export const bflProtocol = (schedule: PollSchedule = BFL_SCHEDULE): UpstreamJobProtocol => ({
  who: BFL,
  schedule,
  async submit(job: ImageJob, route: Route, ctx: CallContext): Promise<SubmittedJob> {
    const plan = planJob(job, route);
    const res = await callUpstream(BFL, submitRequest(job, route, plan), ctx);
    if (res.status !== 200) throw toError(res);
    const reply = res.json<{ id?: unknown; polling_url?: unknown }>();
    return { handle: handleOfSubmit(reply?.id, reply?.polling_url, route) };
  },
  async check(handleText: string, job: ImageJob, route: Route, ctx: CallContext): Promise<UpstreamJobCheck> {
    const handle = decodeHandle(handleText, route);
    const res = await callUpstream(BFL, pollRequest(route, handle), ctx);
    if (res.status === 404) fail(notFound(handle.id));
    if (res.status !== 200) throw toError(res);
    const reply = res.json<ResultReply>();
    if (typeof reply !== 'object' || reply === null) throw malformed('the task status is not an object');
    return settle(reply, handle.id, job);
  },
});
