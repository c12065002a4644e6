/**
 * The life cycle every asynchronous upstream shares: submit → persist the handle (ctx.onUpstreamTask) →
 * follow with back-off until done, the deadline or an abort → result. A provider writes a protocol (how to
 * submit, look at and cancel one job); this module runs the loop and makes the adapter's generate, resume
 * and cancel, so a job resumed after a restart is followed again, never submitted (and paid for) twice.
 *
 * A look that fails in transit (reset, 5xx, malformed body) does not fail the job: the job keeps running
 * upstream, and giving up would make the pipeline start (and pay for) a second one. Only after
 * `maxPollFailures` failures in a row is the last one thrown.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext, ProviderAdapter, Route } from '../domain/adapter.js';
import { GatewayError, isGatewayError } from '../domain/errors.js';
import type { ImageJob, ImageResult } from '../domain/job.js';

/** One look at an upstream job. Failures are thrown as mapped GatewayErrors. */
export type UpstreamJobCheck = { state: 'waiting'; progress?: number } | { state: 'done'; result: ImageResult };
export interface SubmittedJob {
  handle: string;
  check?: UpstreamJobCheck;
}
export interface PollSchedule {
  initialMs: number;
  maxMs: number;
  growEvery: number;
  maxPollFailures: number;
}
export interface UpstreamJobProtocol {
  readonly who: string;
  readonly schedule: PollSchedule;
  submit(job: ImageJob, route: Route, ctx: CallContext): Promise<SubmittedJob>;
  check(handle: string, job: ImageJob, route: Route, ctx: CallContext): Promise<UpstreamJobCheck>;
  waitForNews?(handle: string, ms: number, route: Route, ctx: CallContext): Promise<void>;
  cancel?(handle: string, route: Route, call: { signal: AbortSignal; deadline: number }): Promise<void>;
}

const CANCEL_TIMEOUT_MS = 10_000;

/** The wait after the k-th look (1-based): doubling before every growEvery-th look, at most maxMs. */
export function pollDelayMs(k: number, s: PollSchedule): number {
  return Math.min(s.initialMs * 2 ** Math.floor(k / s.growEvery), s.maxMs);
}

const timedOut = (who: string, handle: string) =>
  new GatewayError('upstream_timeout', `The ${who} job was still running when the model's time limit ran out.`, { details: { upstream_task_id: handle } });
const cancelled = (who: string) => new GatewayError('upstream_error', `The request to ${who} was cancelled.`, { retryable: false });

export async function followUpstreamJob(p: UpstreamJobProtocol, handle: string, job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> {
  let failures = 0;
  for (let k = 1; ; k++) {
    let check: UpstreamJobCheck | undefined;
    try {
      check = await p.check(handle, job, route, ctx);
      failures = 0;
    } catch (e) {
      if (ctx.signal.aborted) throw cancelled(p.who);
      if (Date.now() >= ctx.deadline) throw timedOut(p.who, handle);
      if (!isGatewayError(e) || !e.retryable || ++failures > p.schedule.maxPollFailures) throw e;
    }
    if (check?.state === 'done') return check.result;
    if (check?.progress !== undefined) ctx.onProgress?.(check.progress);
    const remaining = ctx.deadline - Date.now();
    if (remaining <= 0) throw timedOut(p.who, handle);
    const ms = Math.min(pollDelayMs(k, p.schedule), remaining);
    try {
      if (p.waitForNews) await p.waitForNews(handle, ms, route, ctx);
      else await sleep(ms, undefined, { signal: ctx.signal });
    } catch {
      if (ctx.signal.aborted) throw cancelled(p.who);
    }
    if (ctx.signal.aborted) throw cancelled(p.who);
    if (Date.now() >= ctx.deadline) throw timedOut(p.who, handle);
  }
}

export async function submitAndFollow(p: UpstreamJobProtocol, job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> {
  const submitted = await p.submit(job, route, ctx);
  await ctx.onUpstreamTask?.(submitted.handle);
  if (submitted.check?.state === 'done') return submitted.check.result;
  return followUpstreamJob(p, submitted.handle, job, route, ctx);
}

export function upstreamJobAdapter(name: string, protocol: UpstreamJobProtocol, extra: Pick<ProviderAdapter, 'validate' | 'checkRoute'> = {}): ProviderAdapter {
  const cancel = protocol.cancel;
  return {
    name,
    ...extra,
    generate: (job, route, ctx) => submitAndFollow(protocol, job, route, ctx),
    resume: (handle, job, route, ctx) => followUpstreamJob(protocol, handle, job, route, ctx),
    ...(cancel
      ? { cancel: (handle: string, route: Route, signal: AbortSignal) => cancel(handle, route, { signal, deadline: Date.now() + CANCEL_TIMEOUT_MS }) }
      : {}),
  };
}
