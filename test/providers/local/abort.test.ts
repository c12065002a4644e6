/**
 * A client that leaves, or a deadline that passes, stops a local render inside the picture, not only
 * between pictures. Times are measured against full renders of the same picture on the same machine, so
 * the checks hold on a slow or busy host as on a fast one. Work that goes on after the stop is counted
 * until sharp has nothing queued or running: answering early while the render ran on would not pass.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageJob } from '../../../src/domain/job.js';
import { adapter, callContext, job, route } from './support.js';

const BIG: Partial<ImageJob> = { prompt: 'a city skyline at dusk', params: { size: '2048x2048', seed: 3 } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once sharp has no task queued or running, i.e. once the renderer's work has really ended. */
async function sharpIdle(): Promise<void> {
  for (;;) {
    const { queue, process } = sharp.counters();
    if (queue === 0 && process === 0) return;
    await sleep(1);
  }
}

/** Resolves once sharp has started work (the picture is being drawn). */
async function sharpBusy(): Promise<void> {
  while (sharp.counters().process === 0) await sleep(1);
}

/** Wall times of full renders of the job, settled and idle: the fastest and the median of three. */
async function fullRenderMs(over: Partial<ImageJob>): Promise<{ fastest: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await adapter.generate(job(over), route, callContext());
    await sharpIdle();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { fastest: times[0]!, median: times[1]! };
}

/** Before the change, the whole picture was drawn after a stop; now at most the stripe or step under way. */
const MAX_SHARE_AFTER_STOP = 0.6;

describe('local adapter: stopping inside a picture', () => {
  it('stops rendering a 2048x2048 picture soon after the client goes away mid-image', async () => {
    const full = await fullRenderMs(BIG);
    const controller = new AbortController();
    const outcome = adapter.generate(job(BIG), route, callContext(undefined, { signal: controller.signal })).then(
      () => 'finished',
      (e: unknown) => e,
    );
    await sharpBusy();
    controller.abort(new Error('client disconnected'));
    const abortedAt = performance.now();
    const err = await outcome;
    await sharpIdle();
    const workAfterAbort = performance.now() - abortedAt;

    expect(err).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/cancelled/) });
    expect(workAfterAbort).toBeLessThan(full.median * MAX_SHARE_AFTER_STOP);
  });

  it("stops rendering a 2048x2048 picture soon after the model's time limit passes mid-image", async () => {
    const full = await fullRenderMs(BIG);
    // A quarter of the fastest render: the deadline surely passes while the picture is being drawn.
    const ctx = { ...callContext(), deadline: Date.now() + full.fastest / 4 };
    const outcome = adapter.generate(job(BIG), route, ctx).then(
      () => 'finished',
      (e: unknown) => e,
    );
    const err = await outcome;
    await sharpIdle();
    const workAfterDeadline = Date.now() - ctx.deadline;

    expect(err).toMatchObject({ code: 'upstream_error', details: { reason: 'timeout' } });
    expect(workAfterDeadline).toBeLessThan(full.median * MAX_SHARE_AFTER_STOP);
  });
});
