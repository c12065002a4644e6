import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelFacts, Route } from '../../../src/domain/adapter.js';
import type { ImageJob } from '../../../src/domain/job.js';
import { createOpenAICompatibleAdapter } from '../../../src/providers/openai-compatible/adapter.js';
import { type LocalAIFake, startLocalAIFake } from '../../fakes/localai.js';
import { callContext, failure, imageJob, thrown, upstreamRoute } from '../builders.js';

let keyless: LocalAIFake;
let keyed: LocalAIFake;
const adapter = createOpenAICompatibleAdapter();
const SERVER_KEY = 'localai-secret-key';

/** What the operator declares in YAML for a LocalAI Stable Diffusion model: sizes, n and LocalAI's `step`. */
const FACTS: ModelFacts = {
  sizes: { values: ['256x256', '512x512'] },
  fields: { step: { type: 'integer', min: 1, max: 100 } },
  n: { max: 4, default: 1 },
  operations: { 'text-to-image': { endpoint: '/v1/images/generations' } },
};

const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'my-sd', ...over });
const routeTo = (fake: LocalAIFake, over: Partial<Route> = {}): Route =>
  upstreamRoute('openai-compatible', `${fake.url}/v1`, 'stablediffusion', { apiKey: '', credential: 'none', model: FACTS, ...over });

beforeAll(async () => {
  keyless = await startLocalAIFake(['stablediffusion']);
  keyed = await startLocalAIFake(['stablediffusion'], SERVER_KEY);
});
afterAll(async () => {
  await keyless.close();
  await keyed.close();
});
beforeEach(() => {
  keyless.reset();
  keyed.reset();
});

const sent = (fake: LocalAIFake) => fake.requestsTo('/v1/images/generations').at(-1)!;

describe('openai-compatible generations: the request', () => {
  it('sends a keyless route no Authorization header, and the model, size and response_format as OpenAI names them', async () => {
    await adapter.generate(job({ n: 2, params: { size: '256x256' } }), routeTo(keyless), callContext());
    expect(sent(keyless).headers.authorization).toBeUndefined();
    expect(sent(keyless).json).toEqual({ model: 'stablediffusion', prompt: 'a red fox in snow', n: 2, size: '256x256', response_format: 'b64_json' });
  });

  it('passes a field the operator listed through under its own name', async () => {
    await adapter.generate(job({ params: { step: 25 } }), routeTo(keyless), callContext());
    expect(sent(keyless).json).toMatchObject({ step: 25 });
  });

  it('refuses a field the operator did not list, naming it, before anything is sent', () => {
    const err = thrown(() => adapter.validate!(job({ params: { negative_prompt: 'blur' } }), routeTo(keyless)));
    expect(err).toMatchObject({ code: 'invalid_request', param: 'negative_prompt', status: 400 });
  });

  it("sends the route's key as a bearer token when the route names one", async () => {
    const res = await adapter.generate(job(), routeTo(keyed, { apiKey: SERVER_KEY, credential: 'api-key' }), callContext());
    expect(sent(keyed).headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
    expect(res.images).toHaveLength(1);
  });
});

describe('openai-compatible generations: the answer', () => {
  it('reads b64_json images as they are', async () => {
    const res = await adapter.generate(job({ n: 2 }), routeTo(keyless), callContext());
    expect(res.images.map((i) => i.payload.kind)).toEqual(['b64', 'b64']);
    expect(res.failedCount).toBe(0);
  });

  it("reads url images as remote payloads on the server's own host", async () => {
    const res = await adapter.generate(job({ responseFormat: 'url' }), routeTo(keyless), callContext());
    const payload = res.images[0]!.payload;
    expect(payload.kind).toBe('remote');
    expect(payload.kind === 'remote' && payload.url.startsWith(`${keyless.url}/generated-images/`)).toBe(true);
  });
});

describe('openai-compatible generations: errors', () => {
  it("maps LocalAI's error body, quoting its message, and a 5xx as retryable", async () => {
    keyless.failNext.push({ status: 500, message: 'could not load model: rpc error: out of memory' });
    const err = await failure(adapter.generate(job(), routeTo(keyless), callContext()));
    expect(err).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(err.message).toContain('could not load model: rpc error: out of memory');
  });

  it('maps a plain-text error body, quoting its text, and a 4xx as not retryable', async () => {
    keyless.plainTextNext.push({ status: 400, text: 'Bad Request: size too large' });
    const err = await failure(adapter.generate(job(), routeTo(keyless), callContext()));
    expect(err).toMatchObject({ code: 'upstream_error', retryable: false });
    expect(err.message).toContain('Bad Request: size too large');
  });

  it('maps a key the server refuses to an operator fault that never quotes the key', async () => {
    const err = await failure(adapter.generate(job(), routeTo(keyed, { apiKey: 'wrong-key', credential: 'api-key' }), callContext()));
    expect(err).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(err.message).not.toContain('wrong-key');
  });
});
