import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import type { ImageResult } from '../../src/domain/job.js';
import {
  followUpstreamJob,
  jobEnded,
  type SubmittedJob,
  submitAndFollow,
  type UpstreamJobCheck,
  type UpstreamJobProtocol,
  upstreamJobAdapter,
} from '../../src/providers/upstream-job.js';
import { callContext, failure, imageJob, upstreamRoute } from './builders.js';

const job = imageJob({ model: 'm' });
const route = upstreamRoute('scripted', 'http://upstream.test', 'm');
const RESULT: ImageResult = { images: [{ payload: { kind: 'remote', url: 'https://cdn.test/a.png' } }], failedCount: 0 };

/** A protocol whose looks answer from a script: each entry a check or an error to throw. */
function scripted(looks: Array<UpstreamJobCheck | GatewayError>, submitted: SubmittedJob = { handle: 'job-1' }) {
  const log: string[] = [];
  const protocol: UpstreamJobProtocol = {
    who: 'Scripted',
    schedule: { initialMs: 1, maxMs: 5, growEvery: 2, maxPollFailures: 2 },
    async submit() {
      log.push('submit');
      return submitted;
    },
    async check(handle) {
      log.push(`check ${handle}`);
      const next = looks.shift() ?? { state: 'waiting' };
      if (next instanceof GatewayError) throw next;
      return next;
    },
    async cancel(handle) {
      log.push(`cancel ${handle}`);
    },
  };
  return { protocol, log };
}

const transient = () => new GatewayError('upstream_error', 'poll failed', { retryable: true });

describe('asynchronous upstream life cycle', () => {
  it('persists the handle before the first look, then follows to the result', async () => {
    const { protocol, log } = scripted([{ state: 'waiting' }, { state: 'done', result: RESULT }]);
    const result = await submitAndFollow(protocol, job, route, callContext(5000, { onUpstreamTask: (h) => void log.push(`persist ${h}`) }));
    expect(result).toBe(RESULT);
    expect(log).toEqual(['submit', 'persist job-1', 'check job-1', 'check job-1']);
  });

  it('takes the result a submit reply already carries without looking again', async () => {
    const { protocol, log } = scripted([], { handle: 'job-2', check: { state: 'done', result: RESULT } });
    expect(await submitAndFollow(protocol, job, route, callContext())).toBe(RESULT);
    expect(log).toEqual(['submit']);
  });

  it('resumes a persisted handle without submitting again', async () => {
    const { protocol, log } = scripted([{ state: 'done', result: RESULT }]);
    const adapter = upstreamJobAdapter('scripted', protocol);
    expect(await adapter.resume!('job-9', job, route, callContext())).toBe(RESULT);
    expect(log).toEqual(['check job-9']);
  });

  it('tolerates transient look failures in a row up to maxPollFailures', async () => {
    const { protocol } = scripted([transient(), transient(), { state: 'done', result: RESULT }]);
    expect(await followUpstreamJob(protocol, 'job-1', job, route, callContext())).toBe(RESULT);
  });

  it('makes a look failure beyond maxPollFailures final, so no second job is submitted while the first may run', async () => {
    const { protocol } = scripted([transient(), transient(), transient()]);
    const e = await failure(followUpstreamJob(protocol, 'job-1', job, route, callContext()));
    expect([e.code, e.retryable, e.message]).toEqual(['upstream_error', false, 'poll failed']);
  });

  it('waits out a rate-limited look’s Retry-After and does not count it as a failed look', async () => {
    const rateLimited = () => new GatewayError('rate_limit_exceeded', 'slow down', { retryable: true, retryAfterMs: 40 });
    const { protocol, log } = scripted([rateLimited(), rateLimited(), rateLimited(), { state: 'done', result: RESULT }]);
    const started = Date.now();
    expect(await followUpstreamJob(protocol, 'job-1', job, route, callContext())).toBe(RESULT);
    // Three 429s in a row are more than maxPollFailures (2), and each asked for 40 ms where the schedule waits 1–5.
    expect(log).toEqual(['check job-1', 'check job-1', 'check job-1', 'check job-1']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });

  it('ends with upstream_timeout naming the handle when the upstream rate limits its looks until the deadline', async () => {
    const looks = Array.from({ length: 50 }, () => new GatewayError('rate_limit_exceeded', 'slow down', { retryable: true, retryAfterMs: 30 }));
    const { protocol } = scripted(looks);
    const e = await failure(followUpstreamJob(protocol, 'job-7', job, route, callContext(200)));
    expect([e.code, e.details?.upstream_task_id]).toEqual(['upstream_timeout', 'job-7']);
  });

  it('throws a retryable failure marked as the job’s end as it is, so dispatch may try afresh', async () => {
    const gone = jobEnded(new GatewayError('upstream_error', 'job expired', { retryable: true }));
    const { protocol, log } = scripted([gone]);
    const e = await failure(followUpstreamJob(protocol, 'job-1', job, route, callContext()));
    expect(e).toBe(gone);
    expect(log).toEqual(['check job-1']);
  });

  it('ends with upstream_timeout naming the handle when the deadline passes while the job runs', async () => {
    const { protocol } = scripted([]);
    const e = await failure(followUpstreamJob(protocol, 'job-7', job, route, callContext(40)));
    expect([e.code, e.details?.upstream_task_id]).toEqual(['upstream_timeout', 'job-7']);
  });

  it('stops following when the call is aborted', async () => {
    const { protocol } = scripted([]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const e = await failure(followUpstreamJob(protocol, 'job-1', job, route, callContext(5000, { signal: ac.signal })));
    expect([e.code, e.retryable, e.message]).toEqual(['upstream_error', false, 'The request to Scripted was cancelled.']);
  });

  it('reports progress in whole percent that only goes up and stays below 100 until done', async () => {
    const { protocol } = scripted([
      { state: 'waiting', progress: 12.7 },
      { state: 'waiting', progress: 5 },
      { state: 'waiting', progress: 150 },
      { state: 'done', result: RESULT },
    ]);
    const seen: number[] = [];
    await followUpstreamJob(protocol, 'job-1', job, route, callContext(5000, { onProgress: (p) => void seen.push(p) }));
    expect(seen).toEqual([12, 99]);
  });

  it('waits through the protocol’s push channel when it has one', async () => {
    const { protocol, log } = scripted([{ state: 'waiting' }, { state: 'done', result: RESULT }]);
    protocol.waitForNews = async (handle, ms) => void log.push(`wait ${handle} ${ms}`);
    await followUpstreamJob(protocol, 'job-1', job, route, callContext());
    expect(log).toEqual(['check job-1', 'wait job-1 1', 'check job-1']);
  });

  it('cancels through the protocol with a bounded call', async () => {
    const { protocol, log } = scripted([]);
    await upstreamJobAdapter('scripted', protocol).cancel!('job-3', route, new AbortController().signal);
    expect(log).toEqual(['cancel job-3']);
  });
});
