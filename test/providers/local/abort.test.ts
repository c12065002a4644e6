/**
 * A client that leaves, or a deadline that passes, stops a local render inside the picture, not only
 * between pictures. Work is measured as this process's CPU time (sharp's threads included) against full
 * renders of the same picture, so the checks hold on a slow or busy host as on a fast one: other processes
 * taking the cores stretch wall time, not this process's CPU time. Work that goes on after the stop is
 * counted until sharp has nothing queued or running: answering early while the render ran on would not pass.
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

/** CPU time this process has used so far, in ms (all its threads). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Full renders of the job, settled and idle: the fastest wall time, and the median CPU time of three. */
async function fullRender(over: Partial<ImageJob>): Promise<{ fastestMs: number; cpuMs: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const cpu = cpuMs();
    await adapter.generate(job(over), route, callContext());
    await sharpIdle();
    walls.push(performance.now() - started);
    cpus.push(cpuMs() - cpu);
  }
  walls.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { fastestMs: walls[0]!, cpuMs: cpus[1]! };
}

/** Before the change, the whole picture was drawn after a stop; now at most the stripe or step under way. */
const MAX_SHARE_AFTER_STOP = 0.6;

describe('local adapter: stopping inside a picture', () => {
  it('stops rendering a 2048x2048 picture soon after the client goes away mid-image', async () => {
    const full = await fullRender(BIG);
    const controller = new AbortController();
    const outcome = adapter.generate(job(BIG), route, callContext(undefined, { signal: controller.signal })).then(
      () => 'finished',
      (e: unknown) => e,
    );
    await sharpBusy();
    controller.abort(new Error('client disconnected'));
    const abortedAt = cpuMs();
    const err = await outcome;
    await sharpIdle();
    const workAfterAbort = cpuMs() - abortedAt;

    expect(err).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/cancelled/) });
    expect(workAfterAbort).toBeLessThan(full.cpuMs * MAX_SHARE_AFTER_STOP);
  });

  it("stops rendering a 2048x2048 picture soon after the model's time limit passes mid-image", async () => {
    const full = await fullRender(BIG);
    // A quarter of the fastest render: the deadline surely passes while the picture is being drawn.
    const ctx = { ...callContext(), deadline: Date.now() + full.fastestMs / 4 };
    const started = cpuMs();
    const outcome = adapter.generate(job(BIG), route, ctx).then(
      () => 'finished',
      (e: unknown) => e,
    );
    const err = await outcome;
    await sharpIdle();
    const work = cpuMs() - started;

    expect(err).toMatchObject({ code: 'upstream_error', details: { reason: 'timeout' } });
    // Stopped inside the picture: well short of the whole picture's work, however long the host took.
    expect(work).toBeLessThan(full.cpuMs * (0.25 + MAX_SHARE_AFTER_STOP));
  });
});
