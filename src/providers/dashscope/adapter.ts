/**
 * The DashScope adapter for Alibaba Wan and Qwen-Image (DashScope API docs). Two protocols, chosen per model by
 * mapping.ts: the task API (create, then poll until done or the deadline) and the synchronous messages API.
 *
 * Route options read: `protocol` ("task" | "messages") overrides the model table, e.g. for qwen-image on
 * the task API.
 */
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import { callUpstream } from '../http.js';
import type { CallContext, ProviderAdapter, Route } from '../../domain/adapter.js';
import { toError, WHO } from './errors.js';
import { type DashScopePlan, planJob } from './plan.js';
import { type PollOptions, pollTask, SDK_POLLING } from './poll.js';
import { cancelRequest, createTaskRequest, messagesRequest } from './request.js';
import { fromMessages, type MessagesReply, type TaskReply } from './response.js';

export interface DashScopeAdapterOptions extends Partial<PollOptions> {
  /** Time allowed for a best-effort cancel call (ms). */
  cancelTimeoutMs?: number;
}

async function viaMessages(job: ImageJob, route: Route, plan: DashScopePlan, ctx: CallContext): Promise<ImageResult> {
  const res = await callUpstream(WHO, messagesRequest(job, route, plan), ctx);
  if (res.status !== 200) throw toError(res, job);
  return fromMessages(res.json<MessagesReply>(), job);
}

async function createTask(job: ImageJob, route: Route, plan: DashScopePlan, ctx: CallContext): Promise<string> {
  const res = await callUpstream(WHO, createTaskRequest(job, route, plan), ctx);
  if (res.status !== 200) throw toError(res, job);
  const reply = res.json<TaskReply>();
  const taskId = reply?.output?.task_id;
  if (typeof taskId !== 'string' || taskId === '') {
    throw new GatewayError('upstream_error', `${WHO} accepted the task but returned no task id.`, { retryable: true, upstreamRequestId: reply?.request_id });
  }
  return taskId;
}

export function createDashScopeAdapter(options: DashScopeAdapterOptions = {}): ProviderAdapter {
  const polling: PollOptions = { ...SDK_POLLING, ...options };
  const cancelTimeoutMs = options.cancelTimeoutMs ?? 10_000;
  return {
    name: 'dashscope',
    validate(job, route) {
      planJob(job, route);
    },
    async generate(job, route, ctx) {
      const plan = planJob(job, route);
      if (plan.protocol === 'messages') return viaMessages(job, route, plan, ctx);
      const taskId = await createTask(job, route, plan, ctx);
      await ctx.onUpstreamTask?.(taskId);
      return pollTask(taskId, job, route, ctx, polling);
    },
    resume(upstreamTaskId, job, route, ctx) {
      return pollTask(upstreamTaskId, job, route, ctx, polling);
    },
    async cancel(upstreamTaskId, route, signal) {
      const res = await callUpstream(WHO, cancelRequest(route, upstreamTaskId), { signal, deadline: Date.now() + cancelTimeoutMs });
      if (res.status !== 200) throw toError(res, { images: [] });
    },
  };
}
