import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBflAdapter } from '../../../src/providers/bfl/adapter.js';
import { type BflFake, startBflFake } from '../../fakes/bfl.js';
import { HttpFake } from '../../fakes/http-fake.js';
import { callContext, FAST, failure, inputImage, job, routeTo } from './job.js';

let fake: BflFake;
let elsewhere: HttpFake;
const adapter = createBflAdapter(FAST);

beforeAll(async () => {
  fake = await startBflFake();
  elsewhere = await new HttpFake([]).start();
});
afterAll(async () => {
  await fake.close();
  await elsewhere.close();
});
beforeEach(() => {
  fake.reset();
  elsewhere.reset();
});

const onlyJob = () => {
  expect(fake.jobs.size).toBe(1);
  return [...fake.jobs.values()][0]!;
};

describe('bfl: submit and poll', () => {
  it('submits flux-pro-1.1 to /v1/flux-pro-1.1 with x-key and width/height, then polls the polling_url to Ready', async () => {
    fake.pollsToFinish = 2;
    const j = job({ params: { size: '1440x960', seed: 7, output_format: 'png' } });
    const result = await adapter.generate(j, routeTo(fake, 'flux-pro-1.1'), callContext());
    const submit = fake.submissions[0]!;
    expect([submit.method, submit.path, submit.headers['x-key'], submit.headers['content-type']]).toEqual([
      'POST',
      '/v1/flux-pro-1.1',
      fake.apiKey,
      'application/json',
    ]);
    expect(submit.json).toEqual({ prompt: j.prompt, width: 1440, height: 960, seed: 7, output_format: 'png' });
    const polls = fake.requestsTo('/v1/get_result');
    expect(polls).toHaveLength(3);
    expect(polls.every((p) => p.query.get('id') === onlyJob().id && p.headers['x-key'] === fake.apiKey)).toBe(true);
    expect(result.images).toEqual([{ payload: { kind: 'remote', url: `${fake.url}/delivery/${onlyJob().id}.png` } }]);
  });

  it('sends aspect_ratio and raw to flux-pro-1.1-ultra', async () => {
    await adapter.generate(
      job({ model: 'flux-pro-1.1-ultra', params: { aspect_ratio: '21:9', raw: true } }),
      routeTo(fake, 'flux-pro-1.1-ultra'),
      callContext(),
    );
    expect(fake.submissions[0]!.json).toEqual({ prompt: job().prompt, aspect_ratio: '21:9', raw: true });
  });

  it('sends steps and guidance to flux-dev', async () => {
    await adapter.generate(job({ model: 'flux-dev', params: { steps: 20, guidance: 3.5 } }), routeTo(fake, 'flux-dev'), callContext());
    expect(fake.submissions[0]!.path).toBe('/v1/flux-dev');
    expect(fake.submissions[0]!.json).toEqual({ prompt: job().prompt, steps: 20, guidance: 3.5 });
  });

  it('sends a Kontext edit with its images as input_image, input_image_2 in base64', async () => {
    const a = await inputImage('image[0]', 64, 48);
    const b = await inputImage('image[1]', 48, 64, { shade: 200 });
    const j = job({ model: 'flux-kontext-pro', operation: 'edit', images: [a, b], params: { aspect_ratio: '1:1' } });
    await adapter.generate(j, routeTo(fake, 'flux-kontext-pro'), callContext());
    expect(fake.submissions[0]!.json).toEqual({
      prompt: j.prompt,
      aspect_ratio: '1:1',
      input_image: a.bytes.toString('base64'),
      input_image_2: b.bytes.toString('base64'),
    });
  });

  it('persists the handle (task id and polling URL, no key) before the first poll', async () => {
    const seen: Array<{ handle: string; requestsSoFar: number }> = [];
    await adapter.generate(
      job(),
      routeTo(fake, 'flux-pro-1.1'),
      callContext(10_000, { onUpstreamTask: (handle) => void seen.push({ handle, requestsSoFar: fake.requests.length }) }),
    );
    const id = onlyJob().id;
    expect(seen).toEqual([{ handle: JSON.stringify({ id, polling_url: `${fake.url}/v1/get_result?id=${id}` }), requestsSoFar: 1 }]);
    expect(seen[0]!.handle).not.toContain(fake.apiKey);
  });

  it("reports Pending's progress fraction as percentages through onProgress", async () => {
    fake.pollsToFinish = 3;
    const progress: number[] = [];
    await adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext(10_000, { onProgress: (p) => void progress.push(p) }));
    expect(progress).toEqual([25, 50, 75]);
  });

  it('keeps polling through a poll answered 500 and a dropped poll connection', async () => {
    const onUpstreamTask = () => void Object.assign(fake.knobs, { dropNext: 1, failNext: 1, failStatus: 500, failBody: { detail: 'Internal Server Error' } });
    const result = await adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext(10_000, { onUpstreamTask }));
    expect(result.images).toHaveLength(1);
    expect(fake.submissions).toHaveLength(1);
  });
});

describe('bfl: end states', () => {
  it('maps Request Moderated to 400 content_policy_violation naming the prompt', async () => {
    fake.nextOutcomes = ['request-moderated'];
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.status, e.param, e.retryable]).toEqual(['content_policy_violation', 400, 'prompt', false]);
    expect(e.message).toContain('Derivative Works Filter');
  });

  it('maps Content Moderated to 400 content_policy_violation about the output', async () => {
    fake.nextOutcomes = ['content-moderated'];
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['content_policy_violation', 400, null]);
    expect(e.message).toContain('withheld the generated image');
  });

  it('maps Error to a 502 that is not retried (the job ran and failed)', async () => {
    fake.nextOutcomes = ['error'];
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, false]);
    expect(e.message).toContain('Generation failed');
  });

  it('maps Task not found to a retryable 502 naming the task (nothing was made, a fresh job is safe)', async () => {
    fake.nextOutcomes = ['forget'];
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain(onlyJob().id);
  });

  it('throws upstream_timeout carrying the handle when the deadline passes while the job is Pending', async () => {
    fake.pollsToFinish = 1_000;
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext(200)));
    const id = onlyJob().id;
    expect([e.code, e.status]).toEqual(['upstream_timeout', 504]);
    expect(JSON.parse((e.details as { upstream_task_id: string }).upstream_task_id)).toEqual({ id, polling_url: `${fake.url}/v1/get_result?id=${id}` });
  });
});

describe('bfl: resume after a restart', () => {
  it('follows the persisted handle with a new adapter to the result, without a second submission', async () => {
    fake.pollsToFinish = 1_000;
    let handle = '';
    await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext(150, { onUpstreamTask: (h) => void (handle = h) })));
    const stored = onlyJob();
    stored.pollsToFinish = stored.polls + 1;
    const restarted = createBflAdapter(FAST);
    const result = await restarted.resume!(handle, job(), routeTo(fake, 'flux-pro-1.1'), callContext());
    expect(result.images[0]!.payload).toEqual({ kind: 'remote', url: `${fake.url}/delivery/${stored.id}.jpeg` });
    expect(fake.submissions).toHaveLength(1);
  });

  it('refuses a stored handle whose polling URL was changed to another host, sending it nothing', async () => {
    const forged = JSON.stringify({ id: 'x', polling_url: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/v1/get_result?id=x` });
    const e = await failure(adapter.resume!(forged, job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(e.message).toContain('neither');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('refuses a polling_url on a host that is neither BFL nor the route, before polling it with the key', async () => {
    fake.pollingBase = elsewhere.url.replace('127.0.0.1', 'localhost');
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect(e.code).toBe('upstream_error');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('has no cancel: BFL documents no way to stop a submitted job', () => {
    expect(adapter.cancel).toBeUndefined();
  });
});

describe('bfl: submit errors', () => {
  it('maps 402 (out of credits) to a retryable 502 for the operator', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 402, failBody: { detail: 'Insufficient credits' } });
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain('credits');
  });

  it('maps a 403 for the key to a retryable 502 that does not quote it', async () => {
    const e = await failure(adapter.generate(job(), routeTo(fake, 'flux-pro-1.1', { apiKey: 'wrong-key-0123456789' }), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).not.toContain('wrong-key-0123456789');
  });

  it('maps a 422 naming width to a 400 naming size', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 422, failBody: { detail: [{ loc: ['body', 'width'], msg: 'too wide', type: 'value_error' }] } });
    const e = await failure(adapter.generate(job({ params: { size: '1024x768' } }), routeTo(fake, 'flux-pro-1.1'), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['invalid_request', 400, 'size']);
  });
});
