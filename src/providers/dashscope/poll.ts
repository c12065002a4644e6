/**
 * Task protocol: poll `GET /tasks/{id}` until a terminal status or the deadline, with the official SDK's
 * backoff (1 s, doubling every 3 polls, at most 5 s).
 *
 * A poll that fails in transit (reset, 5xx, malformed body) does not fail the job: the task keeps running
 * upstream, and giving up would make the pipeline start (and pay for) a second one. Only after
 * `maxPollFailures` failures in a row is the last one thrown.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, isGatewayError } from '../../domain/errors.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import { callUpstream } from '../http.js';
import type { CallContext, Route } from '../../domain/adapter.js';
import { generationFailure, toError, WHO } from './errors.js';
import { pollRequest } from './request.js';
import { fromSucceededTask, type TaskReply } from './response.js';

export interface PollOptions {
  /** Wait after the first poll (ms). */
  pollInitialMs: number;
  /** Longest wait between polls (ms). */
  pollMaxMs: number;
  /** The wait doubles every this many polls. */
  pollGrowEvery: number;
  /** Transient poll failures in a row tolerated before giving up. */
  maxPollFailures: number;
}

export const SDK_POLLING: PollOptions = { pollInitialMs: 1000, pollMaxMs: 5000, pollGrowEvery: 3, maxPollFailures: 3 };

/** The wait after the k-th poll (1-based): the SDK doubles it before every pollGrowEvery-th poll. */
export function pollDelayMs(k: number, o: PollOptions): number {
  return Math.min(o.pollInitialMs * 2 ** Math.floor(k / o.pollGrowEvery), o.pollMaxMs);
}

const timedOut = (taskId: string, upstreamRequestId: string | undefined) =>
  new GatewayError('upstream_timeout', `${WHO} task ${taskId} was still running when the model's time limit ran out.`, {
    details: { upstream_task_id: taskId },
    upstreamRequestId,
  });

const cancelled = () => new GatewayError('upstream_error', `The request to ${WHO} was cancelled.`, { retryable: false });

/** A terminal status → result or error; undefined while the task is still queued or running. */
function settle(reply: TaskReply, taskId: string, job: ImageJob): ImageResult | undefined {
  const output = reply.output ?? {};
  const upstreamRequestId = reply.request_id;
  switch (output.task_status) {
    case 'SUCCEEDED':
      return fromSucceededTask(output, job, upstreamRequestId);
    case 'FAILED':
      throw generationFailure(job, { code: output.code, message: output.message }, upstreamRequestId);
    case 'CANCELED':
      throw new GatewayError('upstream_error', `${WHO} task ${taskId} failed: the task was cancelled upstream.`, { retryable: false, upstreamRequestId });
    case 'UNKNOWN':
      // Nothing will come of this task, and nothing was produced: a fresh attempt is safe.
      throw new GatewayError('upstream_error', `${WHO} does not know task ${taskId} (it expired after 24 hours or the id is wrong).`, {
        retryable: true,
        upstreamRequestId,
        details: { upstream_task_id: taskId },
      });
    default:
      return undefined; // PENDING, RUNNING, or a status newer than this code (assumed still running)
  }
}

/** One poll's reply; transport and HTTP failures are thrown as mapped GatewayErrors for the caller to judge. */
async function fetchStatus(taskId: string, job: ImageJob, route: Route, ctx: CallContext): Promise<TaskReply> {
  const res = await callUpstream(WHO, pollRequest(route, taskId), ctx);
  if (res.status !== 200) throw toError(res, job);
  const reply = res.json<TaskReply>();
  if (typeof reply !== 'object' || reply === null) {
    throw new GatewayError('upstream_error', `${WHO} returned a malformed response body (task status).`, { retryable: true });
  }
  return reply;
}

export async function pollTask(taskId: string, job: ImageJob, route: Route, ctx: CallContext, options: PollOptions): Promise<ImageResult> {
  let failures = 0;
  let lastRequestId: string | undefined;
  for (let k = 1; ; k++) {
    let reply: TaskReply | undefined;
    try {
      reply = await fetchStatus(taskId, job, route, ctx);
      failures = 0;
    } catch (e) {
      if (ctx.signal.aborted) throw cancelled();
      if (Date.now() >= ctx.deadline) throw timedOut(taskId, lastRequestId);
      if (!isGatewayError(e) || !e.retryable || ++failures > options.maxPollFailures) throw e;
    }
    if (reply) {
      lastRequestId = reply.request_id ?? lastRequestId;
      const result = settle(reply, taskId, job);
      if (result) return result;
    }
    const remaining = ctx.deadline - Date.now();
    if (remaining <= 0) throw timedOut(taskId, lastRequestId);
    try {
      await sleep(Math.min(pollDelayMs(k, options), remaining), undefined, { signal: ctx.signal });
    } catch {
      throw cancelled();
    }
    if (Date.now() >= ctx.deadline) throw timedOut(taskId, lastRequestId);
  }
}
