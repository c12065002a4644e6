import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AzureOpenAIFake, startAzureOpenAIFake } from '../../fakes/azure-openai.js';
import { adapter, AZURE_KEY, azureRoute, callContext, failure, job } from './job.js';

let fake: AzureOpenAIFake;

beforeAll(async () => {
  fake = await startAzureOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const fails = (over: Parameters<typeof job>[0] = {}, upstreamModel = 'gpt-image-1') =>
  failure(adapter.generate(job(over), azureRoute(fake.url, upstreamModel), callContext(5_000)));

describe('azure openai: content filtering', () => {
  it('maps a GPT Image prompt refused by the content filter (innererror.content_filter_result) to content_policy_violation naming the category', async () => {
    fake.filterNext('gpt-image');
    const e = await fails();
    expect(e).toMatchObject({ code: 'content_policy_violation', status: 400, retryable: false });
    expect(e.message).toContain('filtered: sexual');
    expect(e.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("maps DALL·E 3's content_policy_violation with inner_error.content_filter_results to content_policy_violation", async () => {
    fake.filterNext('dall-e-3');
    const e = await fails({ model: 'dall-e-3' }, 'dall-e-3');
    expect(e).toMatchObject({ code: 'content_policy_violation', status: 400, retryable: false });
    expect(e.message).toContain('filtered: violence');
  });

  it('maps the older contentFilter code to content_policy_violation', async () => {
    fake.filterNext('legacy');
    expect(await fails({ model: 'dall-e-3' }, 'dall-e-3')).toMatchObject({ code: 'content_policy_violation', retryable: false });
  });
});

describe('azure openai: operator and transport faults', () => {
  it('maps a wrong key to a retryable 502 that quotes neither the key nor its header', async () => {
    const e = await failure(adapter.generate(job(), azureRoute(fake.url, 'gpt-image-1', { apiKey: 'wrong-key-123456' }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).not.toContain('wrong-key-123456');
    expect(e.message).not.toContain(AZURE_KEY);
  });

  it("maps a deployment the resource does not have to a retryable 502 that names the route's deployment fault", async () => {
    const e = await failure(adapter.generate(job(), azureRoute(fake.url, 'gpt-image-1', { options: { deployment: 'nope' } }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).toContain('DeploymentNotFound');
  });

  it('maps an api-version the resource does not serve (404 Resource not found) to a retryable 502 for the operator', async () => {
    const e = await failure(adapter.generate(job(), azureRoute(fake.url, 'gpt-image-1', { options: { api_version: '1999-01-01' } }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).toContain('api-version');
  });

  it("maps Azure's 429 to rate_limit_exceeded with its Retry-After", async () => {
    fake.failNextWithAzure(
      429,
      { error: { code: '429', message: 'Requests to the Images_Generations Operation have exceeded call rate limit. Please retry after 7 seconds.' } },
      { 'retry-after': '7' },
    );
    const e = await fails();
    expect(e).toMatchObject({ code: 'rate_limit_exceeded', retryable: true, retryAfterMs: 7_000 });
  });

  it('maps a 500 and a dropped connection to retryable upstream errors', async () => {
    fake.knobs.failNext = 1;
    expect(await fails()).toMatchObject({ code: 'upstream_error', retryable: true });
    fake.knobs.dropNext = 1;
    expect(await fails()).toMatchObject({ retryable: true });
  });

  it('stops at the deadline when the resource answers slowly', async () => {
    fake.knobs.latencyMs = 2_000;
    const e = await failure(adapter.generate(job(), azureRoute(fake.url), callContext(300)));
    expect(e.retryable).toBe(true);
    expect(['upstream_timeout', 'upstream_error']).toContain(e.code);
  });

  it('maps a client-fixable refusal naming a param to a 400 with that param', async () => {
    fake.failNextWithAzure(400, {
      error: { code: 'invalid_value', message: "Invalid value for 'size'.", param: 'size', type: 'invalid_request_error' },
    });
    expect(await fails({ params: { size: '1024x1024' } })).toMatchObject({ code: 'invalid_request', status: 400, param: 'size' });
  });
});
