import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzureOpenAIAdapter } from '../../../src/providers/azure/adapter.js';
import { type AzureOpenAIFake, startAzureOpenAIFake } from '../../fakes/azure-openai.js';
import { imageSize } from '../../fakes/images.js';
import { decodeBase64 } from '../../../src/bytes/base64.js';
import type { PartialImage } from '../../../src/domain/job.js';
import { adapter, API_VERSION, AZURE_KEY, azureRoute, callContext, ENTRA_TOKEN, failure, inputImage, job, thrown } from './job.js';

let fake: AzureOpenAIFake;

beforeAll(async () => {
  fake = await startAzureOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('azure openai: deployment URLs', () => {
  it('posts a generation to the deployment path with the api-version and the key in api-key, and the OpenAI body', async () => {
    const params = { size: '1536x1024', quality: 'high', output_format: 'webp' as const, output_compression: 80 };
    const r = await adapter.generate(job({ n: 2, params }), azureRoute(fake.url), callContext());
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/deployments/gpt-image-1/images/generations');
    expect(req.query.get('api-version')).toBe(API_VERSION);
    expect(req.headers['api-key']).toBe(AZURE_KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.json).toEqual({ model: 'gpt-image-1', prompt: 'a red fox in snow', n: 2, ...params });
    expect(r.images).toHaveLength(2);
    expect(r.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends to the route's named deployment and its own api-version", async () => {
    const route = azureRoute(fake.url, 'gpt-image-1', { options: { deployment: 'east-gpt-image', api_version: '2025-06-01-preview' } });
    await adapter.generate(job(), route, callContext());
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/deployments/east-gpt-image/images/generations');
    expect(req.query.get('api-version')).toBe('2025-06-01-preview');
  });

  it('accepts an endpoint given with /openai or a trailing slash, as operators paste it', async () => {
    await adapter.generate(job(), azureRoute(`${fake.url}/openai/`), callContext());
    expect(fake.requests[0]!.path).toBe('/openai/deployments/gpt-image-1/images/generations');
  });

  it('sends an Entra token as a bearer token and no api-key', async () => {
    await adapter.generate(job(), azureRoute(fake.url, 'gpt-image-1', { apiKey: ENTRA_TOKEN, credential: 'bearer-token' }), callContext());
    const req = fake.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${ENTRA_TOKEN}`);
    expect(req.headers['api-key']).toBeUndefined();
  });

  it('sends an edit as multipart to the deployment edits path', async () => {
    const j = job({ operation: 'edit', images: [await inputImage('image', 64, 64)], params: { size: '1024x1024' } });
    const r = await adapter.generate(j, azureRoute(fake.url), callContext());
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/deployments/gpt-image-1/images/edits');
    expect(req.query.get('api-version')).toBe(API_VERSION);
    expect(String(req.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(fake.lastFiles.map((f) => f.field)).toEqual(['image']);
    expect(r.images).toHaveLength(1);
  });

  it('asks DALL·E 3 for url answers with style and quality, and returns them as remote payloads', async () => {
    const j = job({ model: 'dall-e-3', params: { size: '1792x1024', quality: 'hd', style: 'natural' }, responseFormat: 'url' });
    const r = await adapter.generate(j, azureRoute(fake.url, 'dall-e-3'), callContext());
    expect(fake.requests[0]!.path).toBe('/openai/deployments/dall-e-3/images/generations');
    expect(fake.requests[0]!.json).toMatchObject({ response_format: 'url', style: 'natural', quality: 'hd', size: '1792x1024' });
    expect(r.images[0]!.payload.kind).toBe('remote');
  });
});

describe('azure openai: v1 URLs', () => {
  it('posts to /openai/v1/images/generations with the deployment as model and no api-version', async () => {
    const route = azureRoute(fake.url, 'gpt-image-1', { options: { api: 'v1', deployment: 'east-gpt-image' } });
    const r = await adapter.generate(job({ params: { size: '1024x1024' } }), route, callContext());
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/v1/images/generations');
    expect(req.query.has('api-version')).toBe(false);
    expect(req.json).toMatchObject({ model: 'east-gpt-image', size: '1024x1024' });
    const image = r.images[0]!.payload;
    if (image.kind !== 'b64') throw new Error(`expected b64, got ${image.kind}`);
    expect(await imageSize(decodeBase64(image.b64))).toMatchObject({ width: 1024, height: 1024 });
  });

  it('names the deployment in the multipart model field of a v1 edit', async () => {
    const route = azureRoute(fake.url, 'gpt-image-1', { options: { api: 'v1', deployment: 'east-gpt-image' } });
    const j = job({ operation: 'edit', images: [await inputImage('image', 64, 64)] });
    await adapter.generate(j, route, callContext());
    expect(fake.requests[0]!.path).toBe('/openai/v1/images/edits');
    expect(fake.lastFields.model).toBe('east-gpt-image');
  });
});

describe('azure openai: what a route cannot do', () => {
  it('refuses a variation before any call: Azure serves no /images/variations', () => {
    const e = thrown(() => adapter.validate!(job({ model: 'dall-e-2', operation: 'variation', prompt: '' }), azureRoute(fake.url, 'dall-e-2')));
    expect(e).toMatchObject({ code: 'invalid_request', param: 'model' });
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a misconfigured api option as a retryable operator fault, not a client error', async () => {
    const e = await failure(adapter.generate(job(), azureRoute(fake.url, 'gpt-image-1', { options: { api: 'v2' } }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).toContain('option api');
  });

  it('uses OPENAI_API_VERSION for a route without its own', async () => {
    const older = createAzureOpenAIAdapter({ apiVersion: '2024-02-01' });
    await older.generate(job({ model: 'dall-e-3' }), azureRoute(fake.url, 'dall-e-3'), callContext());
    expect(fake.requests[0]!.query.get('api-version')).toBe('2024-02-01');
  });
});

describe('azure openai: streamed images', () => {
  it("relays Azure's GPT Image stream: partial images as they arrive, then the completed image, on the deployment URL", async () => {
    const partials: PartialImage[] = [];
    const r = await adapter.generate(
      job({ stream: { partialImages: 2 }, params: { quality: 'low' } }),
      azureRoute(fake.url),
      callContext(10_000, { onPartialImage: (p) => partials.push(p) }),
    );
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/deployments/gpt-image-1/images/generations');
    expect(req.json).toMatchObject({ stream: true, partial_images: 2 });
    expect(partials.map((p) => p.partialIndex)).toEqual([0, 1]);
    expect(r.images).toHaveLength(1);
    expect(r.usage).toMatchObject({ outputImageTokens: 272 });
  });

  it('names Azure, not OpenAI, when the answer holds no image', async () => {
    fake.emptyNext = 1;
    const e = await failure(adapter.generate(job(), azureRoute(fake.url), callContext()));
    expect(e.code).toBe('no_image_generated');
    expect(e.message).toMatch(/^Azure OpenAI returned no image/);
  });
});
