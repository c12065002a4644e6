import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReplicateAdapter } from '../../../src/providers/replicate/adapter.js';
import { preferWait } from '../../../src/providers/replicate/request.js';
import { FAKE_VERSION, type ReplicateFake, startReplicateFake } from '../../fakes/replicate.js';
import { callContext, FAST, failure, inputImage, job, routeTo, SCHNELL } from './job.js';

let fake: ReplicateFake;
const adapter = createReplicateAdapter(FAST);

beforeAll(async () => {
  fake = await startReplicateFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const polls = () => fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/predictions/'));

describe('replicate: the create call', () => {
  it('creates a prediction on the official model with Bearer, Prefer: wait and the mapped input, answered within the wait', async () => {
    fake.pollsToFinish = 0;
    const j = job({ n: 2, params: { aspect_ratio: '16:9', output_format: 'jpeg', seed: 42, num_inference_steps: 4 } });
    const result = await adapter.generate(j, routeTo(fake), callContext(120_000));
    const create = fake.creates()[0]!;
    expect(create.method).toBe('POST');
    expect(create.path).toBe(`/v1/models/${SCHNELL}/predictions`);
    expect(create.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.headers.prefer).toBe('wait=60');
    expect(create.json).toEqual({ input: { prompt: j.prompt, num_outputs: 2, aspect_ratio: '16:9', output_format: 'jpg', seed: 42, num_inference_steps: 4 } });
    expect(polls()).toHaveLength(0);
    const id = fake.solePrediction().id;
    expect(result.images.map((i) => i.payload)).toEqual([
      { kind: 'remote', url: `${fake.url}/delivery/${id}/out-0.jpg`, mime: 'image/jpeg' },
      { kind: 'remote', url: `${fake.url}/delivery/${id}/out-1.jpg`, mime: 'image/jpeg' },
    ]);
    expect([result.failedCount, result.upstreamRequestId]).toEqual([0, id]);
  });

  it('always sends num_outputs, so the model makes exactly n images', async () => {
    fake.pollsToFinish = 0;
    await adapter.generate(job(), routeTo(fake), callContext());
    expect(fake.creates()[0]!.json).toEqual({ input: { prompt: job().prompt, num_outputs: 1 } });
  });

  it("bounds Prefer: wait by the request's deadline, keeping 5 s for the answer, and leaves it out under a second", () => {
    const now = 1_000_000;
    const route = routeTo(fake);
    expect(preferWait(route, now + 120_000, { now })).toBe('wait=60');
    expect(preferWait(route, now + 20_000, { now })).toBe('wait=15');
    expect(preferWait(route, now + 5_900, { now })).toBeUndefined();
    expect(preferWait(routeTo(fake, SCHNELL, { options: { wait: 10 } }), now + 120_000, { now })).toBe('wait=10');
    expect(preferWait(routeTo(fake, SCHNELL, { options: { wait: 0 } }), now + 120_000, { now })).toBeUndefined();
  });

  it('waits at most 5 s in the create call when a task follows the progress, so polls (and progress) start early', async () => {
    fake.pollsToFinish = 1;
    await adapter.generate(job(), routeTo(fake), callContext(120_000, { onProgress: () => undefined }));
    expect(fake.creates()[0]!.headers.prefer).toBe('wait=5');
  });

  it('sends no Prefer header when the deadline leaves no time to wait, and polls instead', async () => {
    fake.pollsToFinish = 1;
    const result = await adapter.generate(job(), routeTo(fake), callContext(5_500));
    expect(fake.creates()[0]!.headers.prefer).toBeUndefined();
    expect(polls()).toHaveLength(1);
    expect(result.images).toHaveLength(1);
  });

  it("sends the route's cancel_after as Replicate's Cancel-After deadline", async () => {
    fake.pollsToFinish = 0;
    await adapter.generate(job(), routeTo(fake, SCHNELL, { options: { cancel_after: '10m' } }), callContext());
    expect(fake.creates()[0]!.headers['cancel-after']).toBe('10m');
  });

  it('runs a pinned version through POST /v1/predictions with version beside the input', async () => {
    fake.pollsToFinish = 0;
    await adapter.generate(job(), routeTo(fake, SCHNELL, { options: { version: FAKE_VERSION } }), callContext());
    const create = fake.creates()[0]!;
    expect(create.path).toBe('/v1/predictions');
    expect(create.json).toEqual({ version: FAKE_VERSION, input: { prompt: job().prompt, num_outputs: 1 } });
  });

  it("sends an operator's own model (a pinned version, sent as its bare id) its parameters under their public names, n as num_outputs", async () => {
    fake.pollsToFinish = 0;
    const route = routeTo(fake, 'acme/painter', { options: { version: `acme/painter:${FAKE_VERSION}` } });
    const result = await adapter.generate(job({ model: 'acme/painter', n: 2, params: { aspect_ratio: '3:2', go_fast: false } }), route, callContext());
    expect(fake.creates()[0]!.json).toEqual({
      version: FAKE_VERSION,
      input: { prompt: job().prompt, num_outputs: 2, aspect_ratio: '3:2', go_fast: false },
    });
    expect(result.images).toHaveLength(2);
  });

  it('sends a flux-1.1-pro size as width and height with aspect_ratio custom, and reads its single output URL', async () => {
    fake.pollsToFinish = 0;
    const model = 'black-forest-labs/flux-1.1-pro';
    const result = await adapter.generate(job({ model, params: { size: '1024x768', safety_tolerance: 3 } }), routeTo(fake, model), callContext());
    expect(fake.creates()[0]!.json).toEqual({ input: { prompt: job().prompt, aspect_ratio: 'custom', width: 1024, height: 768, safety_tolerance: 3 } });
    expect(result.images).toEqual([{ payload: { kind: 'remote', url: `${fake.url}/delivery/${fake.solePrediction().id}/out-0.webp`, mime: 'image/webp' } }]);
  });

  it("sends recraft-v3's size as its own WIDTHxHEIGHT text, with style", async () => {
    fake.pollsToFinish = 0;
    const model = 'recraft-ai/recraft-v3';
    await adapter.generate(job({ model, params: { size: '1365x1024', style: 'digital_illustration/pixel_art' } }), routeTo(fake, model), callContext());
    expect(fake.creates()[0]!.json).toEqual({ input: { prompt: job().prompt, size: '1365x1024', style: 'digital_illustration/pixel_art' } });
  });

  it("sends flux-dev's image-to-image image inline as a data URI and strength as prompt_strength", async () => {
    fake.pollsToFinish = 0;
    const model = 'black-forest-labs/flux-dev';
    const image = await inputImage('image_url', 64, 48);
    await adapter.generate(job({ model, operation: 'image-to-image', images: [image], params: { strength: 0.6 } }), routeTo(fake, model), callContext());
    expect(fake.creates()[0]!.json).toEqual({
      input: { prompt: job().prompt, num_outputs: 1, prompt_strength: 0.6, image: `data:image/png;base64,${image.bytes.toString('base64')}` },
    });
  });

  it("passes the client's own image URL on as it is, for flux-kontext-pro's input_image", async () => {
    fake.pollsToFinish = 0;
    const model = 'black-forest-labs/flux-kontext-pro';
    const image = await inputImage('image', 64, 48, { sourceUrl: 'https://images.example/cat.png' });
    await adapter.generate(job({ model, operation: 'edit', images: [image], params: { output_format: 'jpeg' } }), routeTo(fake, model), callContext());
    expect(fake.creates()[0]!.json).toEqual({ input: { prompt: job().prompt, output_format: 'jpg', input_image: 'https://images.example/cat.png' } });
  });
});

describe('replicate: following the prediction', () => {
  it('polls GET /v1/predictions/{id} past the wait, reporting the progress of the logs, after persisting the id', async () => {
    fake.pollsToFinish = 4;
    const seen: string[] = [];
    const progress: number[] = [];
    const result = await adapter.generate(
      job(),
      routeTo(fake),
      callContext(10_000, { onUpstreamTask: (id) => void seen.push(`${id}@${fake.requests.length}`), onProgress: (p) => void progress.push(p) }),
    );
    const p = fake.solePrediction();
    expect(seen).toEqual([`${p.id}@1`]);
    const get = polls();
    expect(get).toHaveLength(4);
    expect(get.every((r) => r.path === `/v1/predictions/${p.id}` && r.headers.authorization === `Bearer ${fake.apiKey}`)).toBe(true);
    expect(progress).toEqual([25, 50, 75]);
    expect(result.images).toHaveLength(1);
  });

  it('counts the images the safety checker withheld as failed', async () => {
    fake.pollsToFinish = 0;
    fake.next({ kind: 'withhold', count: 1 });
    const result = await adapter.generate(job({ n: 3 }), routeTo(fake), callContext());
    expect([result.images.length, result.failedCount]).toEqual([2, 1]);
  });

  it('takes output files that come back as data URIs as base64 images', async () => {
    fake.pollsToFinish = 0;
    fake.next({ kind: 'data-uri' });
    const result = await adapter.generate(job(), routeTo(fake), callContext());
    expect(result.images[0]!.payload).toMatchObject({ kind: 'b64', mime: 'image/webp' });
  });

  it('keeps following through a poll answered 500 and a dropped poll connection', async () => {
    fake.pollsToFinish = 2;
    const onUpstreamTask = () => void Object.assign(fake.knobs, { dropNext: 1, failNext: 1, failStatus: 500, failBody: { detail: 'Internal Server Error' } });
    const result = await adapter.generate(job(), routeTo(fake), callContext(10_000, { onUpstreamTask }));
    expect(result.images).toHaveLength(1);
    expect(fake.creates()).toHaveLength(1);
  });
});

describe('replicate: how predictions end', () => {
  it.each([
    ['NSFW content detected. Try running it again, or try a different prompt.'],
    ['The input or output was flagged as sensitive. Please try again with different inputs. (E005)'],
  ])('maps a prediction failed by the safety checker (%s) to content_policy_violation', async (error) => {
    fake.next({ kind: 'fail', error });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['content_policy_violation', 400, false]);
    expect(e.message).toContain(error.slice(0, 20));
  });

  it('maps a failed prediction to a final upstream_error quoting the model, without a key it echoes', async () => {
    fake.next({ kind: 'fail', error: 'CUDA out of memory while using r8_abcdefghijklmnopqrstuvwxyz0123' });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, false]);
    expect(e.message).toContain('CUDA out of memory');
    expect(e.upstreamRequestId).toBe(fake.solePrediction().id);
  });

  it('lets a prediction Replicate interrupted (code: PA) be tried afresh', async () => {
    fake.next({ kind: 'fail', error: 'Prediction interrupted; please retry (code: PA)' });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
  });

  it('maps a canceled prediction to a final upstream_error and an aborted one to a retryable one', async () => {
    fake.next({ kind: 'cancel' });
    const canceled = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([canceled.code, canceled.retryable]).toEqual(['upstream_error', false]);
    expect(canceled.message).toContain('cancelled upstream');
    fake.next({ kind: 'abort' });
    const aborted = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([aborted.code, aborted.retryable]).toEqual(['upstream_error', true]);
  });

  it('lets a prediction Replicate no longer knows (404 on poll) be tried afresh', async () => {
    fake.next({ kind: 'forget' });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.retryable]).toEqual(['upstream_error', true]);
    expect(polls()).toHaveLength(1);
  });

  it('throws upstream_timeout carrying the prediction id when the deadline passes while it runs', async () => {
    fake.holdNew = true;
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext(300)));
    const { id, status } = fake.solePrediction();
    expect([e.code, e.status]).toEqual(['upstream_timeout', 504]);
    expect(e.details).toEqual({ upstream_task_id: id });
    expect(status).toBe('processing');
  });
});

describe('replicate: HTTP errors', () => {
  it('maps 422 on an input the client chose to 400 naming its public field', async () => {
    const e = await failure(adapter.generate(job({ params: { aspect_ratio: '7:3' } }), routeTo(fake), callContext()));
    expect([e.code, e.status, e.param]).toEqual(['invalid_request', 400, 'aspect_ratio']);
    expect(e.message).toContain('aspect_ratio must be one of');
  });

  it("maps 422 on flux-dev's prompt_strength to 400 naming strength, the public name", async () => {
    const model = 'black-forest-labs/flux-dev';
    const image = await inputImage('image_url', 64, 48);
    const e = await failure(
      adapter.generate(job({ model, operation: 'image-to-image', images: [image], params: { strength: 1.5 } }), routeTo(fake, model), callContext()),
    );
    expect([e.code, e.param]).toEqual(['invalid_request', 'strength']);
  });

  it("maps 422 on an input the gateway chose to a 502 that says it is not the client's fault", async () => {
    Object.assign(fake.knobs, {
      failNext: 1,
      failStatus: 422,
      failBody: {
        title: 'Input validation failed',
        detail: '- input.disable_safety_checker: Invalid type',
        status: 422,
        invalid_fields: [{ type: 'invalid_type', field: 'input.disable_safety_checker', description: 'Invalid type' }],
      },
    });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.status, e.retryable, e.param]).toEqual(['upstream_error', 502, false, null]);
  });

  it("maps 401 to the operator's fault, retryable on another route, without the token", async () => {
    const e = await failure(adapter.generate(job(), routeTo(fake, SCHNELL, { apiKey: 'r8_wrongTokenWrongTokenWrong' }), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['upstream_error', 502, true]);
    expect(e.message).not.toContain('r8_wrong');
  });

  it('maps 402 (out of credit) and 404 on create (no such model) to retryable operator faults', async () => {
    Object.assign(fake.knobs, {
      failNext: 1,
      failStatus: 402,
      failBody: { title: 'Insufficient credit', detail: 'You have insufficient credit to run this model.', status: 402 },
    });
    const credit = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([credit.code, credit.retryable]).toEqual(['upstream_error', true]);
    expect(credit.message).toContain('add credit');
    const missing = await failure(adapter.generate(job({ model: 'acme/nothing' }), routeTo(fake, 'acme/nothing'), callContext()));
    expect([missing.code, missing.retryable]).toEqual(['upstream_error', true]);
    expect(missing.message).toContain('acme/nothing');
  });

  it('maps 429 to rate_limit_exceeded with the Retry-After Replicate sent', async () => {
    Object.assign(fake.knobs, {
      failNext: 1,
      failStatus: 429,
      failBody: { title: 'Request was throttled', detail: 'Request was throttled. Expected available in 7 seconds.', status: 429 },
      failHeaders: { 'retry-after': '7' },
    });
    const e = await failure(adapter.generate(job(), routeTo(fake), callContext()));
    expect([e.code, e.status, e.retryAfterMs]).toEqual(['rate_limit_exceeded', 429, 7000]);
  });
});

describe('replicate: resume and cancel', () => {
  it('resumes a prediction after a restart: a new adapter follows the persisted id, and Replicate sees one create', async () => {
    fake.holdNew = true;
    let persisted = '';
    const e = await failure(adapter.generate(job({ n: 2 }), routeTo(fake), callContext(300, { onUpstreamTask: (id) => void (persisted = id) })));
    expect(e.code).toBe('upstream_timeout');
    fake.release(persisted);
    const restarted = createReplicateAdapter(FAST);
    const result = await restarted.resume!(persisted, job({ n: 2 }), routeTo(fake), callContext());
    expect(result.images).toHaveLength(2);
    expect(fake.creates()).toHaveLength(1);
    expect(fake.solePrediction().id).toBe(persisted);
  });

  it('finishes a create call the caller abandoned, then cancels the prediction it started, so none runs on unknown', async () => {
    fake.pollsToFinish = 1;
    fake.waitHoldMs = 300;
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('task canceled')), 100);
    const persisted: string[] = [];
    const e = await failure(
      adapter.generate(job(), routeTo(fake), callContext(10_000, { signal: ac.signal, onUpstreamTask: (id) => void persisted.push(id) })),
    );
    const p = fake.solePrediction();
    expect(e.message).toContain('cancelled');
    expect(fake.requestsTo(`/v1/predictions/${p.id}/cancel`)).toHaveLength(1);
    expect(p.status).toBe('canceled');
    expect(persisted).toEqual([]);
  });

  it('cancels with POST /v1/predictions/{id}/cancel, after which following reports it cancelled', async () => {
    fake.holdNew = true;
    const route = routeTo(fake);
    const onUpstreamTask = (id: string) => adapter.cancel!(id, route, new AbortController().signal);
    const e = await failure(adapter.generate(job(), route, callContext(10_000, { onUpstreamTask })));
    const p = fake.solePrediction();
    const cancel = fake.requestsTo(`/v1/predictions/${p.id}/cancel`);
    expect(cancel.map((r) => [r.method, r.headers.authorization])).toEqual([['POST', `Bearer ${fake.apiKey}`]]);
    expect(p.status).toBe('canceled');
    expect(e.message).toContain('cancelled upstream');
  });
});
