/**
 * The DashScope adapter for Alibaba Wan and Qwen-Image (DashScope API docs). Two protocols, chosen per model by
 * mapping.ts: the task API (an asynchronous upstream: task-protocol.ts) and the synchronous messages API.
 *
 * Route options read: `protocol` ("task" | "messages") overrides the model table, e.g. for qwen-image on
 * the task API.
 */
import type { ImageJob, ImageResult } from '../../domain/job.js';
import { callUpstream } from '../http.js';
import type { CallContext, ProviderAdapter, Route } from '../../domain/adapter.js';
import { followUpstreamJob, type PollSchedule, submitAndFollow, upstreamJobAdapter } from '../upstream-job.js';
import { toError, WHO } from './errors.js';
import { type DashScopePlan, planJob } from './plan.js';
import { messagesRequest } from './request.js';
import { fromMessages, type MessagesReply } from './response.js';
import { dashScopeTasks, SDK_POLLING } from './task-protocol.js';

async function viaMessages(job: ImageJob, route: Route, plan: DashScopePlan, ctx: CallContext): Promise<ImageResult> {
  const res = await callUpstream(WHO, messagesRequest(job, route, plan), ctx);
  if (res.status !== 200) throw toError(res, job);
  return fromMessages(res.json<MessagesReply>(), job);
}

export function createDashScopeAdapter(polling: Partial<PollSchedule> = {}): ProviderAdapter {
  const tasks = dashScopeTasks({ ...SDK_POLLING, ...polling });
  return {
    ...upstreamJobAdapter('dashscope', tasks, { validate: (job, route) => void planJob(job, route) }),
    generate(job, route, ctx) {
      const plan = planJob(job, route);
      return plan.protocol === 'messages' ? viaMessages(job, route, plan, ctx) : submitAndFollow(tasks, job, route, ctx);
    },
    resume: (taskId, job, route, ctx) => followUpstreamJob(tasks, taskId, job, route, ctx),
  };
}
