/**
 * DashScope's task protocol as an asynchronous upstream (providers/upstream-job.ts): create with
 * `X-DashScope-Async: enable`, then look at `GET /tasks/{id}` with the official SDK's back-off (1 s, doubling
 * every 3 looks, at most 5 s) until a terminal status.
 */
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import type { CallContext, Route } from '../../domain/adapter.js';
import { callUpstream } from '../http.js';
import { jobEnded, type PollSchedule, type UpstreamJobCheck, type UpstreamJobProtocol } from '../upstream-job.js';
import { generationFailure, toError, WHO } from './errors.js';
import { planJob } from './plan.js';
import { cancelRequest, createTaskRequest, pollRequest } from './request.js';
import { fromSucceededTask, type TaskReply } from './response.js';

export const SDK_POLLING: PollSchedule = { initialMs: 1000, maxMs: 5000, growEvery: 3, maxPollFailures: 3 };

/** A terminal status → result, or the job's end as an error; undefined while the task is queued or running. */
function settle(reply: TaskReply, taskId: string, job: ImageJob): ImageResult | undefined {
  const output = reply.output ?? {};
  const upstreamRequestId = reply.request_id;
  switch (output.task_status) {
    case 'SUCCEEDED':
      return fromSucceededTask(output, job, upstreamRequestId);
    case 'FAILED':
      throw jobEnded(generationFailure(job, { code: output.code, message: output.message }, upstreamRequestId));
    case 'CANCELED':
      throw jobEnded(
        new GatewayError('upstream_error', `${WHO} task ${taskId} failed: the task was cancelled upstream.`, { retryable: false, upstreamRequestId }),
      );
    case 'UNKNOWN':
      // Nothing will come of this task, and nothing was produced: a fresh attempt is safe.
      throw jobEnded(
        new GatewayError('upstream_error', `${WHO} does not know task ${taskId} (it expired after 24 hours or the id is wrong).`, {
          retryable: true,
          upstreamRequestId,
          details: { upstream_task_id: taskId },
        }),
      );
    default:
      return undefined; // PENDING, RUNNING, or a status newer than this code (assumed still running)
  }
}

export function dashScopeTasks(schedule: PollSchedule): UpstreamJobProtocol {
  return {
    who: WHO,
    schedule,
    async submit(job: ImageJob, route: Route, ctx: CallContext) {
      const res = await callUpstream(WHO, createTaskRequest(job, route, planJob(job, route)), ctx);
      if (res.status !== 200) throw toError(res, job);
      const reply = res.json<TaskReply>();
      const taskId = reply?.output?.task_id;
      if (typeof taskId !== 'string' || taskId === '') {
        throw new GatewayError('upstream_error', `${WHO} accepted the task but returned no task id.`, {
          retryable: true,
          upstreamRequestId: reply?.request_id,
        });
      }
      return { handle: taskId };
    },
    async check(taskId: string, job: ImageJob, route: Route, ctx: CallContext): Promise<UpstreamJobCheck> {
      const res = await callUpstream(WHO, pollRequest(route, taskId), ctx);
      if (res.status !== 200) throw toError(res, job);
      const reply = res.json<TaskReply>();
      if (typeof reply !== 'object' || reply === null) {
        throw new GatewayError('upstream_error', `${WHO} returned a malformed response body (task status).`, { retryable: true });
      }
      const result = settle(reply, taskId, job);
      return result ? { state: 'done', result } : { state: 'waiting' };
    },
    async cancel(taskId: string, route: Route, call: { signal: AbortSignal; deadline: number }) {
      const res = await callUpstream(WHO, cancelRequest(route, taskId), call);
      if (res.status !== 200) throw toError(res, { images: [] });
    },
  };
}
