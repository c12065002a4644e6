/**
 * The life cycle every asynchronous upstream shares (DashScope's task API, Black Forest Labs, fal.ai's queue,
 * Replicate's predictions, ComfyUI): submit → hand the job's handle to `ctx.onUpstreamTask` (a task persists it)
 * → follow it until it is done, the deadline passes or the call is aborted. A provider writes only its
 * protocol (how to submit, look, wait and cancel); this module runs the loop and makes the adapter's
 * `generate`, `resume` and `cancel` from it, so a process killed mid-job follows the same upstream job again
 * after a restart instead of submitting (and paying for) a second one.
 *
 * Once a job was submitted, only the job's own end upstream (`jobEnded`, e.g. it failed or was forgotten)
 * may let dispatch try afresh: a failure to look at it is final, because the job may still be running.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext, ProviderAdapter, Route } from '../domain/adapter.js';
import { GatewayError, isGatewayError } from '../domain/errors.js';
import type { ImageJob, ImageResult } from '../domain/job.js';

/**
 * One look at an upstream job. Failures are thrown as mapped GatewayErrors. One that tells how the job ended
 * upstream (failed, moderated, cancelled, forgotten) is marked with `jobEnded`; any other is taken for a
 * failure of the look itself: a retryable one is tolerated `maxPollFailures` times in a row, then final. A look
 * the upstream rate limited (429) is no failure: the next one waits at least its Retry-After.
 */
export type UpstreamJobCheck = { state: 'waiting'; progress?: number } | { state: 'done'; result: ImageResult };

export interface SubmittedJob {
  /** Persisted as the task's upstream id: all that following and cancelling need (never a secret). */
  handle: string;
  /** What the submit reply already says about the job (a provider that can wait in the submit call). */
  check?: UpstreamJobCheck;
}

export interface PollSchedule {
  /** Wait after the first look (ms). */
  initialMs: number;
  /** Longest wait between looks (ms). */
  maxMs: number;
  /** The wait doubles every this many looks. */
  growEvery: number;
  /** Transient look failures in a row tolerated before giving up. */
  maxPollFailures: number;
}

export interface UpstreamJobProtocol {
  /** The provider as messages name it, e.g. `DashScope`. */
  readonly who: string;
  readonly schedule: PollSchedule;
  submit(job: ImageJob, route: Route, ctx: CallContext): Promise<SubmittedJob>;
  check(handle: string, job: ImageJob, route: Route, ctx: CallContext): Promise<UpstreamJobCheck>;
  /**
   * A push channel (ComfyUI's websocket): waits up to `ms` for news of the job, resolving early when there
   * may be some, and may report progress through ctx.onProgress. Without it the loop sleeps `ms`.
   */
  waitForNews?(handle: string, ms: number, route: Route, ctx: CallContext): Promise<void>;
  cancel?(handle: string, route: Route, call: { signal: AbortSignal; deadline: number }): Promise<void>;
}

/** The wait after the k-th look (1-based): it doubles before every growEvery-th look, up to maxMs. */
export function pollDelayMs(k: number, s: PollSchedule): number {
  return Math.min(s.initialMs * 2 ** Math.floor(k / s.growEvery), s.maxMs);
}

const ended = new WeakSet<GatewayError>();

/**
 * Marks a failure `check` throws as the job's own end upstream (it failed, was cancelled, or the upstream
 * no longer knows it) rather than a failed look: the loop throws it as mapped, and a retryable one lets
 * dispatch try afresh, since the job will produce nothing. Unmarked failures are taken for the look's.
 */
export function jobEnded(err: GatewayError): GatewayError {
  ended.add(err);
  return err;
}

const timedOut = (who: string, handle: string, upstreamRequestId: string | undefined) =>
  new GatewayError('upstream_timeout', `The ${who} job was still running when the model's time limit ran out.`, {
    // The sync → task handover (server/handover.ts) finds the job to follow by this id.
    details: { upstream_task_id: handle },
    upstreamRequestId,
  });

const cancelled = (who: string) => new GatewayError('upstream_error', `The request to ${who} was cancelled.`, { retryable: false });

/** The same error, final: the job may still be running upstream, so no one may submit another. */
function final(err: GatewayError): GatewayError {
  return new GatewayError(err.code, err.message, {
    param: err.param,
    retryable: false,
    details: err.details,
    upstreamRequestId: err.upstreamRequestId,
    retryAfterMs: err.retryAfterMs,
    cause: err,
  });
}

/** Reports progress as whole percentages that only go up (a queue position may not move it back). */
function progressReporter(ctx: CallContext): (p: number | undefined) => void {
  let shown = -1;
  return (p) => {
    if (p === undefined || !Number.isFinite(p) || !ctx.onProgress) return;
    const percent = Math.max(0, Math.min(99, Math.floor(p)));
    if (percent <= shown) return;
    shown = percent;
    ctx.onProgress(percent);
  };
}

/** Follows a submitted job until it is done; `first` is what is already known about it (the submit reply). */
async function follow(p: UpstreamJobProtocol, handle: string, job: ImageJob, route: Route, ctx: CallContext, first?: UpstreamJobCheck): Promise<ImageResult> {
  const report = progressReporter(ctx);
  let failures = 0;
  let lastRequestId: string | undefined;
  let known = first;
  for (let k = 1; ; k++) {
    // A look the upstream rate limited says nothing of the job: wait as long as it asks, and do not count it
    // as a failed look (the deadline still bounds the waiting).
    let slowDownMs = 0;
    if (!known) {
      try {
        known = await p.check(handle, job, route, ctx);
        failures = 0;
      } catch (e) {
        if (ctx.signal.aborted) throw cancelled(p.who);
        if (Date.now() >= ctx.deadline) throw timedOut(p.who, handle, lastRequestId);
        if (!isGatewayError(e)) throw e;
        lastRequestId = e.upstreamRequestId ?? lastRequestId;
        if (ended.has(e) || !e.retryable) throw e;
        if (e.code === 'rate_limit_exceeded') slowDownMs = e.retryAfterMs ?? pollDelayMs(k, p.schedule);
        else if (++failures > p.schedule.maxPollFailures) throw final(e);
      }
    }
    if (known?.state === 'done') return known.result;
    report(known?.progress);
    known = undefined;
    const remaining = ctx.deadline - Date.now();
    if (remaining <= 0) throw timedOut(p.who, handle, lastRequestId);
    const wait = Math.min(Math.max(pollDelayMs(k, p.schedule), slowDownMs), remaining);
    try {
      if (p.waitForNews) await p.waitForNews(handle, wait, route, ctx);
      else await sleep(wait, undefined, { signal: ctx.signal });
    } catch (e) {
      if (ctx.signal.aborted) throw cancelled(p.who);
      throw e;
    }
    if (ctx.signal.aborted) throw cancelled(p.who);
    if (Date.now() >= ctx.deadline) throw timedOut(p.who, handle, lastRequestId);
  }
}

/** Follows a job submitted earlier (by this process or one before a restart). */
export function followUpstreamJob(p: UpstreamJobProtocol, handle: string, job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> {
  return follow(p, handle, job, route, ctx);
}

/** Submits, has the handle persisted before anything else can go wrong, then follows. */
export async function submitAndFollow(p: UpstreamJobProtocol, job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> {
  const submitted = await p.submit(job, route, ctx);
  await ctx.onUpstreamTask?.(submitted.handle);
  return follow(p, submitted.handle, job, route, ctx, submitted.check);
}

/** Best-effort cancel within this time (ms). */
const CANCEL_TIMEOUT_MS = 10_000;

/** An adapter that is nothing but an asynchronous upstream: generate submits and follows, resume follows, cancel cancels. */
export function upstreamJobAdapter(name: string, p: UpstreamJobProtocol, extra: Pick<ProviderAdapter, 'validate' | 'checkRoute'> = {}): ProviderAdapter {
  const cancel = p.cancel;
  return {
    name,
    ...extra,
    generate: (job, route, ctx) => submitAndFollow(p, job, route, ctx),
    resume: (handle, job, route, ctx) => followUpstreamJob(p, handle, job, route, ctx),
    ...(cancel
      ? {
          cancel: (handle: string, route: Route, signal: AbortSignal) =>
            cancel.call(p, handle, route, {
              signal: AbortSignal.any([signal, AbortSignal.timeout(CANCEL_TIMEOUT_MS)]),
              deadline: Date.now() + CANCEL_TIMEOUT_MS,
            }),
        }
      : {}),
  };
}
