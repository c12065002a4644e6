/** A provider's URL result is fetched with the address policy, trusting only the host of the route that answered. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadResult } from '../../src/pipeline/result-download.js';
import { createOpenAICompatibleAdapter } from '../../src/providers/openai-compatible/adapter.js';
import { type LocalAIFake, startLocalAIFake } from '../fakes/localai.js';
import { callContext, failure, imageJob, upstreamRoute } from '../providers/builders.js';

let server: LocalAIFake;
let elsewhere: LocalAIFake;
const adapter = createOpenAICompatibleAdapter();

beforeAll(async () => {
  server = await startLocalAIFake(['stablediffusion']);
  elsewhere = await startLocalAIFake(['stablediffusion']);
});
afterAll(async () => {
  await server.close();
  await elsewhere.close();
});

const route = () => upstreamRoute('openai-compatible', `${server.url}/v1`, 'stablediffusion', { apiKey: '', credential: 'none' });
const fetching = () => ({ signal: new AbortController().signal, deadline: Date.now() + 5_000 });

async function urlAnswer(): Promise<string> {
  const res = await adapter.generate(imageJob({ model: 'my-sd', responseFormat: 'url' }), route(), callContext());
  const payload = res.images[0]!.payload;
  if (payload.kind !== 'remote') throw new Error('expected a URL answer');
  return payload.url;
}

describe('downloading a URL result', () => {
  it("fetches a URL result on the answering route's own private host", async () => {
    server.urlOrigin = undefined;
    const got = await downloadResult(await urlAnswer(), route(), fetching());
    expect(got.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('refuses a URL result that points at another private host, without connecting to it', async () => {
    server.urlOrigin = elsewhere.url.replace('127.0.0.1', '127.0.0.2');
    const before = elsewhere.requests.length;
    const err = await failure(downloadResult(await urlAnswer(), route(), fetching()));
    expect(err).toMatchObject({ code: 'upstream_error', retryable: false });
    expect(err.message).toMatch(/loopback address/);
    expect(elsewhere.requests.length).toBe(before);
    server.urlOrigin = undefined;
  });

  it('refuses a private address on another port of the same host: trust is for the configured host and port', async () => {
    const err = await failure(downloadResult(`${elsewhere.url}/generated-images/x.png`, route(), fetching()));
    expect(err.message).toMatch(/loopback address/);
  });

  it('refuses a private URL result for a route on a public host', async () => {
    const publicRoute = upstreamRoute('openai', 'https://api.openai.com/v1', 'dall-e-3');
    const err = await failure(downloadResult(`${server.url}/generated-images/x.png`, publicRoute, fetching()));
    expect(err).toMatchObject({ code: 'upstream_error' });
    expect(err.message).toMatch(/loopback address/);
  });
});
