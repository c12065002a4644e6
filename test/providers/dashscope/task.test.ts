import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDashScopeAdapter } from '../../../src/providers/dashscope/adapter.js';
import { SDK_POLLING } from '../../../src/providers/dashscope/task-protocol.js';
import { pollDelayMs } from '../../../src/providers/upstream-job.js';
import { type DashScopeFake, startDashScopeFake } from '../../fakes/dashscope.js';
import { callContext, FAST_POLLING, failure, job, reference, routeTo } from './job.js';

let fake: DashScopeFake;
const adapter = createDashScopeAdapter(FAST_POLLING);
const CREATE = '/api/v1/services/aigc/text2image/image-synthesis';
const WAN25 = 'wan2.5-t2i-preview';

beforeAll(async () => {
  fake = await startDashScopeFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const onlyTask = () => {
  expect(fake.tasks.size).toBe(1);
  return [...fake.tasks.values()][0]!;
};

describe('dashscope task protocol: create and poll', () => {
  it('creates the task with X-DashScope-Async and the wan2.5 body, then polls GET /tasks/{id} to SUCCEEDED', async () => {
    fake.pollsToFinish = 3;
    const j = job({ n: 2, params: { size: '1280x1280', negative_prompt: 'low contrast', seed: 7, prompt_extend: true } });
    const result = await adapter.generate(j, routeTo(fake, WAN25), callContext());
    const create = fake.requestsTo(CREATE)[0]!;
    expect(create.headers['x-dashscope-async']).toBe('enable');
    expect(create.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(create.json).toEqual({
      model: WAN25,
      input: { prompt: j.prompt, negative_prompt: 'low contrast' },
      parameters: { size: '1280*1280', n: 2, seed: 7, prompt_extend: true, watermark: false },
    });
    const task = onlyTask();
    expect(fake.requestsTo(`/api/v1/tasks/${task.id}`)).toHaveLength(3);
    expect(task.status).toBe('SUCCEEDED');
    expect(result.images).toHaveLength(2);
    expect(result.images.every((i) => i.payload.kind === 'remote' && i.payload.url.startsWith(`${fake.url}/results/`))).toBe(true);
    expect(result.failedCount).toBe(0);
  });

  it('always sends n and watermark on the task API too (DashScope would make 4 images)', async () => {
    const result = await adapter.generate(job({ model: 'wanx2.1-t2i-turbo' }), routeTo(fake, 'wanx2.1-t2i-turbo'), callContext());
    expect(fake.requestsTo(CREATE)[0]!.json).toEqual({ model: 'wanx2.1-t2i-turbo', input: { prompt: job().prompt }, parameters: { n: 1, watermark: false } });
    expect(fake.effective).toEqual([{ n: 1, watermark: false }]);
    expect(result.images).toHaveLength(1);
  });

  it.each([
    ['wan2.5-t2i-preview', '3:4', '1104*1472'],
    ['wan2.5-t2i-preview', '16:9', '1696*960'],
    ['wan2.5-t2i-preview', '21:9', '2016*864'],
    ['wan2.2-t2i-plus', '16:9', '1280*720'],
    ['wanx2.1-t2i-plus', '2:3', '832*1248'],
  ])('maps aspect_ratio on %s %s to size %s, which DashScope accepts', async (model, ratio, size) => {
    await adapter.generate(job({ model, params: { aspect_ratio: ratio } }), routeTo(fake, model), callContext());
    expect(fake.requestsTo(CREATE)[0]!.json).toMatchObject({ parameters: { size } });
    expect(onlyTask().status).toBe('SUCCEEDED');
  });

  it('reports the prompt DashScope rewrote (prompt_extend) as revisedPrompt', async () => {
    const result = await adapter.generate(job(), routeTo(fake, WAN25), callContext());
    expect(result.images[0]!.revisedPrompt).toBe(`${job().prompt}, soft volumetric light, highly detailed`);
  });

  it('calls onUpstreamTask with the task id right after create, before the first poll', async () => {
    const seen: Array<{ id: string; requestsSoFar: number }> = [];
    await adapter.generate(
      job(),
      routeTo(fake, WAN25),
      callContext(10_000, { onUpstreamTask: (id) => void seen.push({ id, requestsSoFar: fake.requests.length }) }),
    );
    expect(seen).toEqual([{ id: onlyTask().id, requestsSoFar: 1 }]);
  });

  it('sends edits on the task API to image2image with input.images when a route chooses protocol task', async () => {
    const upload = await reference('image');
    const j = job({ model: 'wan2.5-i2i-preview', operation: 'edit', images: [upload], params: { size: '1280x1280' } });
    const result = await adapter.generate(j, routeTo(fake, 'wan2.5-i2i-preview', { options: { protocol: 'task' } }), callContext());
    const create = fake.requestsTo('/api/v1/services/aigc/image2image/image-synthesis')[0]!;
    expect(create.headers['x-dashscope-async']).toBe('enable');
    expect(create.json).toEqual({
      model: 'wan2.5-i2i-preview',
      input: { prompt: j.prompt, images: [`data:image/png;base64,${upload.bytes.toString('base64')}`] },
      parameters: { size: '1280*1280', n: 1, watermark: false },
    });
    expect(result.images).toHaveLength(1);
  });

  it('runs qwen-image-plus on the task API when the route option says protocol task', async () => {
    await adapter.generate(
      job({ model: 'qwen-image-plus', params: { aspect_ratio: '16:9' } }),
      routeTo(fake, 'qwen-image-plus', { options: { protocol: 'task' } }),
      callContext(),
    );
    expect(fake.requestsTo(CREATE)[0]!.json).toMatchObject({ model: 'qwen-image-plus', parameters: { size: '1664*928' } });
    expect(fake.requestsTo('/api/v1/services/aigc/multimodal-generation/generation')).toHaveLength(0);
  });
});

/**
 * When this process was kept from running while the meter ran: each 5 ms tick that came more than a tick
 * late, as [when, how late] (an idle machine records next to nothing).
 */
function stallMeter(everyMs = 5): { stop: () => Array<[at: number, lateMs: number]> } {
  let last = Date.now();
  const stalls: Array<[number, number]> = [];
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - last > 2 * everyMs) stalls.push([now, now - last - everyMs]);
    last = now;
  }, everyMs);
  return { stop: () => (clearInterval(timer), stalls) };
}

describe('dashscope task protocol: backoff', () => {
  it('waits 1 s, doubling every 3 polls, at most 5 s, as the official SDK does', () => {
    expect(Array.from({ length: 10 }, (_, i) => pollDelayMs(i + 1, SDK_POLLING))).toEqual([1000, 1000, 2000, 2000, 2000, 4000, 4000, 4000, 5000, 5000]);
  });

  it('spaces the polls on the wire by that schedule', async () => {
    const slow = createDashScopeAdapter({ initialMs: 40, maxMs: 100, growEvery: 3 });
    fake.pollsToFinish = 8;
    // A gap is the wait plus however long this process was kept from running (a busy machine): that time
    // is measured, and allowed on top of the schedule, rather than guessed.
    const stalls = stallMeter();
    await slow.generate(job(), routeTo(fake, WAN25), callContext());
    const stalled = stalls.stop();
    const times = onlyTask().pollTimes;
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    /** Time this process stood still between two polls (a stall ending up to a tick after the poll counts). */
    const stalledBetween = (from: number, to: number) => stalled.filter(([at]) => at > from && at <= to + 5).reduce((sum, [, late]) => sum + late, 0);
    const expected = [40, 40, 80, 80, 80, 100, 100];
    expect(gaps).toHaveLength(expected.length);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]! - 2);
      expect(gap).toBeLessThan(expected[i]! + 35 + stalledBetween(times[i]!, times[i + 1]!));
    });
  });

  it('keeps polling through a poll answered 500 and a dropped poll connection', async () => {
    fake.pollsToFinish = 2;
    const onUpstreamTask = () => {
      // The next two requests are the first polls: the first dropped, the second answered 500.
      Object.assign(fake.knobs, {
        dropNext: 1,
        failNext: 1,
        failStatus: 500,
        failBody: { request_id: 'r-500', code: 'InternalError', message: 'An internal error has occured.' },
      });
    };
    const result = await adapter.generate(job(), routeTo(fake, WAN25), callContext(10_000, { onUpstreamTask }));
    expect(result.images).toHaveLength(1);
    expect(onlyTask().pollTimes).toHaveLength(2);
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(4);
  });

  it('gives up after more consecutive poll failures than maxPollFailures, finally: the task may still be running upstream', async () => {
    const strict = createDashScopeAdapter({ ...FAST_POLLING, maxPollFailures: 1 });
    const onUpstreamTask = () =>
      void Object.assign(fake.knobs, { failNext: 5, failStatus: 503, failBody: { request_id: 'r-503', code: 'ServiceUnavailable', message: 'busy' } });
    const e = await failure(strict.generate(job(), routeTo(fake, WAN25), callContext(10_000, { onUpstreamTask })));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
  });
});

describe('dashscope task protocol: terminal states', () => {
  it('maps a FAILED task to a non-retryable upstream_error with its code and redacted message', async () => {
    fake.failTaskNext('InternalError.Algo', 'Algorithm failed for key sk-abcdef0123456789abcdef.');
    const e = await failure(adapter.generate(job(), routeTo(fake, WAN25), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, false]);
    expect(e.message).toContain('InternalError.Algo');
    expect(e.message).toContain('Algorithm failed');
    expect(e.message).not.toContain('sk-abcdef0123456789abcdef');
    expect(e.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps a task FAILED with DataInspectionFailed to 400 content_policy_violation', async () => {
    fake.failTaskNext('DataInspectionFailed', 'Output data may contain inappropriate content.');
    const e = await failure(adapter.generate(job(), routeTo(fake, WAN25), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['content_policy_violation', 400, false]);
  });

  it('maps a CANCELED task to upstream_error "the task was cancelled upstream"', async () => {
    fake.cancelTaskNext();
    const e = await failure(adapter.generate(job(), routeTo(fake, WAN25), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(e.message).toContain('the task was cancelled upstream');
  });

  it('maps an UNKNOWN (expired) task to upstream_error naming the task', async () => {
    fake.unknownTaskNext();
    const e = await failure(adapter.generate(job(), routeTo(fake, WAN25), callContext()));
    expect(e.code).toBe('upstream_error');
    expect(e.message).toContain(onlyTask().id);
    expect(e.message).toContain('expired');
  });

  it('returns the images of a partly failed task and counts the failed ones', async () => {
    fake.partialFailNext(1);
    const result = await adapter.generate(job({ n: 3 }), routeTo(fake, WAN25), callContext());
    expect(result.images).toHaveLength(2);
    expect(result.failedCount).toBe(1);
  });

  it("maps a SUCCEEDED task whose every image failed to the items' error", async () => {
    fake.partialFailNext(2, 'DataInspectionFailed', 'Output data may contain inappropriate content.');
    const e = await failure(adapter.generate(job({ n: 2 }), routeTo(fake, WAN25), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['content_policy_violation', 400, null]);
  });

  it('throws upstream_timeout with the upstream task id when the deadline passes while the task runs', async () => {
    fake.pollsToFinish = 1_000;
    const started = Date.now();
    const e = await failure(adapter.generate(job(), routeTo(fake, WAN25), callContext(300)));
    const id = onlyTask().id;
    expect([e.code, e.status]).toEqual(['upstream_timeout', 504]);
    expect(e.details).toEqual({ upstream_task_id: id });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(onlyTask().status).toBe('RUNNING');
  });
});

describe('dashscope task protocol: resume and cancel', () => {
  it('resumes a task created before, polling only, to its result', async () => {
    fake.pollsToFinish = 1_000;
    const e = await failure(adapter.generate(job({ n: 2 }), routeTo(fake, WAN25), callContext(150)));
    expect(e.code).toBe('upstream_timeout');
    const task = onlyTask();
    task.pollsToFinish = task.pollTimes.length + 2;
    const result = await adapter.resume!(task.id, job({ n: 2 }), routeTo(fake, WAN25), callContext());
    expect(result.images).toHaveLength(2);
    expect(fake.requestsTo(CREATE)).toHaveLength(1);
  });

  it('cancels a PENDING task with POST /tasks/{id}/cancel, after which polling reports it cancelled', async () => {
    const r = routeTo(fake, WAN25);
    const onUpstreamTask = (id: string) => adapter.cancel!(id, r, new AbortController().signal);
    const e = await failure(adapter.generate(job(), r, callContext(10_000, { onUpstreamTask })));
    const task = onlyTask();
    const cancel = fake.requestsTo(`/api/v1/tasks/${task.id}/cancel`)[0]!;
    expect([cancel.method, cancel.headers.authorization]).toEqual(['POST', `Bearer ${fake.apiKey}`]);
    expect(task.status).toBe('CANCELED');
    expect(e.message).toContain('the task was cancelled upstream');
  });

  it('reports DashScope refusing to cancel a task that is already running', async () => {
    fake.pollsToFinish = 1_000;
    await failure(adapter.generate(job(), routeTo(fake, WAN25), callContext(150)));
    const e = await failure(adapter.cancel!(onlyTask().id, routeTo(fake, WAN25), new AbortController().signal));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(e.message).toContain('PENDING');
  });
});
