import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFalAdapter } from '../../../src/providers/fal/adapter.js';
import { type FalFake, startFalFake } from '../../fakes/fal.js';
import { HttpFake } from '../../fakes/http-fake.js';
import { catalogFacts } from '../builders.js';
import { callContext, FAST, failure, inputImage, job, routeTo } from './job.js';

let fake: FalFake;
let elsewhere: HttpFake;
const adapter = createFalAdapter(FAST);
const FLUX = 'fal-ai/flux/dev';
const flux = () => routeTo(fake, 'fal-flux-dev', FLUX);
const recraft = () => routeTo(fake, 'fal-recraft-v3', 'fal-ai/recraft/v3/text-to-image', { options: { 'input.n': 'none', size_format: 'enum' } });

beforeAll(async () => {
  fake = await startFalFake();
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

const only = () => {
  expect(fake.queue.size).toBe(1);
  return [...fake.queue.values()][0]!;
};
const base = (id: string) => `${fake.url}/fal-ai/flux/requests/${id}`;

describe('fal: queue, status, output', () => {
  it('queues at /{model id} with Authorization: Key, maps size and n, follows status_url?logs=1, then reads response_url', async () => {
    const result = await adapter.generate(job({ n: 2, params: { size: '1024x576', seed: 9, guidance_scale: 4 } }), flux(), callContext());
    const submit = fake.submissions[0]!;
    expect([submit.method, submit.path, submit.headers.authorization]).toEqual(['POST', '/fal-ai/flux/dev', `Key ${fake.apiKey}`]);
    expect(submit.json).toEqual({ prompt: job().prompt, image_size: { width: 1024, height: 576 }, num_images: 2, seed: 9, guidance_scale: 4 });
    const id = only().id;
    const statuses = fake.requestsTo(`/fal-ai/flux/requests/${id}/status`);
    expect(statuses).toHaveLength(3);
    expect(statuses.every((s) => s.query.get('logs') === '1' && s.headers.authorization === `Key ${fake.apiKey}`)).toBe(true);
    expect(fake.requestsTo(`/fal-ai/flux/requests/${id}`).map((r) => r.method)).toEqual(['GET']);
    expect(result.images).toHaveLength(2);
    expect(result.images[0]).toEqual({ payload: { kind: 'remote', url: expect.stringMatching(`^${fake.url}/files/`), mime: 'image/jpeg' }, size: '1024x576' });
    expect([result.failedCount, result.upstreamRequestId]).toEqual([0, id]);
  });

  it("follows the route's declared mapping: Recraft takes size as fal's enum name and no num_images", async () => {
    await adapter.generate(job({ model: 'fal-recraft-v3', params: { size: '768x1024', style: 'digital_illustration' } }), recraft(), callContext());
    expect(fake.submissions[0]!.path).toBe('/fal-ai/recraft/v3/text-to-image');
    expect(fake.submissions[0]!.json).toEqual({ prompt: job().prompt, image_size: 'portrait_4_3', style: 'digital_illustration' });
    expect(fake.requestsTo(/^\/fal-ai\/recraft\/requests\/[\w-]+\/status$/).length).toBeGreaterThan(0);
  });

  it('sends the image of an image-to-image job as a data URI in image_url', async () => {
    const img = await inputImage('image_url', 64, 64);
    const j = job({ model: 'fal-flux-dev-image-to-image', operation: 'image-to-image', images: [img], params: { strength: 0.6 } });
    await adapter.generate(
      j,
      routeTo(fake, 'fal-flux-dev-image-to-image', 'fal-ai/flux/dev/image-to-image', { options: { 'input.size': 'none' } }),
      callContext(),
    );
    expect(fake.submissions[0]!.json).toEqual({
      prompt: j.prompt,
      num_images: 1,
      strength: 0.6,
      image_url: `data:image/png;base64,${img.bytes.toString('base64')}`,
    });
  });

  it("sends every image as a list when a route maps images to the model's image_urls", async () => {
    const a = await inputImage('image[0]', 32, 32);
    const b = await inputImage('image[1]', 48, 32, { shade: 200 });
    const r = routeTo(fake, 'my-kontext-multi', 'fal-ai/flux-pro/kontext/multi', {
      model: catalogFacts('my-kontext-multi', { seed: { type: 'integer' } }),
      options: { 'input.images': 'image_urls', 'input.size': 'none' },
    });
    await adapter.generate(job({ model: 'my-kontext-multi', operation: 'edit', images: [a, b], params: { seed: 3 } }), r, callContext());
    expect(fake.submissions[0]!.json).toEqual({
      prompt: job().prompt,
      num_images: 1,
      seed: 3,
      image_urls: [a, b].map((img) => `data:image/png;base64,${img.bytes.toString('base64')}`),
    });
  });

  it('persists the handle (request id and the three URLs, no key) before the first status', async () => {
    const seen: Array<{ handle: string; requestsSoFar: number }> = [];
    await adapter.generate(job(), flux(), callContext(10_000, { onUpstreamTask: (handle) => void seen.push({ handle, requestsSoFar: fake.requests.length }) }));
    const id = only().id;
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!.handle)).toEqual({ request_id: id, status_url: `${base(id)}/status`, response_url: base(id), cancel_url: `${base(id)}/cancel` });
    expect(seen[0]!.requestsSoFar).toBe(1);
    expect(seen[0]!.handle).not.toContain(fake.apiKey);
  });

  it("reports the runner's progress bar from the logs, and nothing for a queue position", async () => {
    fake.queuedPolls = 2;
    fake.runningPolls = 3;
    const progress: number[] = [];
    await adapter.generate(job(), flux(), callContext(10_000, { onProgress: (p) => void progress.push(p) }));
    expect(progress).toEqual([25, 50, 75]);
  });

  it('keeps polling through a status answered 500 and a dropped connection', async () => {
    const onUpstreamTask = () => void Object.assign(fake.knobs, { dropNext: 1, failNext: 1, failStatus: 500, failBody: { detail: 'Internal Server Error' } });
    const result = await adapter.generate(job(), flux(), callContext(10_000, { onUpstreamTask }));
    expect(result.images).toHaveLength(1);
    expect(fake.submissions).toHaveLength(1);
  });
});

describe('fal: moderation and errors', () => {
  it('withholds images flagged in has_nsfw_concepts, counting them as failed', async () => {
    fake.nextOutcomes = [{ kind: 'nsfw', flagged: 1 }];
    const result = await adapter.generate(job({ n: 3 }), flux(), callContext());
    expect([result.images.length, result.failedCount]).toEqual([2, 1]);
  });

  it('maps every image flagged to 400 content_policy_violation', async () => {
    fake.nextOutcomes = [{ kind: 'nsfw', flagged: 2 }];
    const e = await failure(adapter.generate(job({ n: 2 }), flux(), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['content_policy_violation', 400, null]);
  });

  it('maps an output refused as content_policy_violation to a 400 naming the prompt', async () => {
    fake.nextOutcomes = [{ kind: 'moderated' }];
    const e = await failure(adapter.generate(job(), flux(), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['content_policy_violation', 400, 'prompt']);
  });

  it('maps a request fal no longer knows to a retryable 502 (nothing was made, a fresh request is safe)', async () => {
    fake.nextOutcomes = [{ kind: 'forget' }];
    const e = await failure(adapter.generate(job(), flux(), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).toContain(only().id);
  });

  it("maps a request whose runner failed (fal's error_type) to a 502 that is not retried by following it again", async () => {
    fake.nextOutcomes = [{ kind: 'fail' }];
    const e = await failure(adapter.generate(job(), flux(), callContext()));
    expect([e.code, e.status]).toEqual(['upstream_error', 502]);
    expect(e.message).toContain('internal server error');
    expect(fake.requestsTo(`/fal-ai/flux/requests/${only().id}`)).toHaveLength(1);
  });

  it('maps a 422 naming image_size to a 400 naming size', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 422, failBody: { detail: [{ loc: ['body', 'image_size'], msg: 'too big', type: 'value_error' }] } });
    const e = await failure(adapter.generate(job({ params: { size: '1024x1024' } }), flux(), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['invalid_request', 400, 'size']);
  });

  it('maps a wrong key (401) to a retryable 502 that does not quote it', async () => {
    const e = await failure(adapter.generate(job(), routeTo(fake, 'fal-flux-dev', FLUX, { apiKey: 'wrong-key:0123456789' }), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(e.message).not.toContain('wrong-key:0123456789');
  });

  it('throws upstream_timeout carrying the handle when the deadline passes in the queue', async () => {
    fake.queuedPolls = 1_000;
    const e = await failure(adapter.generate(job(), flux(), callContext(200)));
    expect([e.code, e.status]).toEqual(['upstream_timeout', 504]);
    expect(JSON.parse((e.details as { upstream_task_id: string }).upstream_task_id).request_id).toBe(only().id);
  });
});

describe('fal: resume and cancel', () => {
  it('follows the persisted handle with a new adapter to the output, without a second submission', async () => {
    fake.queuedPolls = 1_000;
    let handle = '';
    await failure(adapter.generate(job(), flux(), callContext(150, { onUpstreamTask: (h) => void (handle = h) })));
    const queued = only();
    queued.queuedPolls = queued.polls;
    const result = await createFalAdapter(FAST).resume!(handle, job(), flux(), callContext());
    expect(result.images).toHaveLength(1);
    expect(fake.submissions).toHaveLength(1);
  });

  it('cancels with PUT cancel_url, after which following reports the request cancelled', async () => {
    fake.queuedPolls = 1_000;
    const r = flux();
    const onUpstreamTask = (handle: string) => adapter.cancel!(handle, r, new AbortController().signal);
    const e = await failure(adapter.generate(job(), r, callContext(10_000, { onUpstreamTask })));
    const id = only().id;
    const cancel = fake.requestsTo(`/fal-ai/flux/requests/${id}/cancel`)[0]!;
    expect([cancel.method, cancel.headers.authorization]).toEqual(['PUT', `Key ${fake.apiKey}`]);
    expect(only().cancelled).toBe(true);
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(e.message).toContain('was cancelled upstream');
  });

  it('reports a cancel that came too late (ALREADY_COMPLETED) as a failed cancel', async () => {
    let handle = '';
    await adapter.generate(job(), flux(), callContext(10_000, { onUpstreamTask: (h) => void (handle = h) }));
    const e = await failure(adapter.cancel!(handle, flux(), new AbortController().signal));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    expect(e.message).toContain('already completed');
  });

  it('refuses a stored handle whose URLs were changed to another host, sending it nothing', async () => {
    const other = elsewhere.url.replace('127.0.0.1', 'localhost');
    const forged = JSON.stringify({ request_id: 'x', status_url: `${other}/s`, response_url: `${other}/r`, cancel_url: `${other}/c` });
    const e = await failure(adapter.resume!(forged, job(), flux(), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', false]);
    const c = await failure(adapter.cancel!(forged, flux(), new AbortController().signal));
    expect(c.code).toBe('upstream_error');
    expect(elsewhere.requests).toHaveLength(0);
  });
});
