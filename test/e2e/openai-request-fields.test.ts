/**
 * Every optional field of the spec's four image request schemas is accepted for the models whose contract
 * takes it and reaches the OpenAI upstream exactly as sent. The field lists come from the spec fixture, so
 * a field the spec adds fails the coverage check until a case sends it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { specSchema } from '../support/openai-spec.js';

let fake: OpenAIFake;
let gw: TestGateway;
let key: string;
let image: Buffer;
let mask: Buffer;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startGateway({ env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` } });
  ({ key } = await gw.clientKey({ balance: 100_000_000 }));
  image = await makeImage(64, 64);
  mask = await makeImage(64, 64, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

function optionalFields(schemaName: string): string[] {
  const schema = specSchema(schemaName) as { properties: Record<string, unknown>; required?: string[] };
  return Object.keys(schema.properties)
    .filter((f) => !(schema.required ?? []).includes(f))
    .sort();
}

/** Every optional field appears in at least one case of the schema. */
function expectCovered(schemaName: string, cases: Array<Record<string, unknown>>): void {
  const sent = new Set(cases.flatMap((c) => Object.keys(c)));
  expect(optionalFields(schemaName).filter((f) => !sent.has(f))).toEqual([]);
}

async function multipart(path: string, fields: Record<string, string>, files: Array<[string, Buffer]>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [name, bytes] of files) form.append(name, new Blob([new Uint8Array(bytes)], { type: 'image/png' }), `${name}.png`);
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

const asText = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

describe('CreateImageRequest: POST /v1/images/generations', () => {
  const gpt = {
    model: 'gpt-image-1.5',
    n: 2,
    quality: 'high',
    output_format: 'webp',
    output_compression: 80,
    size: '1536x1024',
    moderation: 'low',
    background: 'opaque',
    user: 'user-1234',
  };
  const dalle = { model: 'dall-e-3', n: 1, quality: 'hd', response_format: 'b64_json', size: '1792x1024', style: 'natural', user: 'user-1234' };

  const streamed = { model: 'gpt-image-1.5', stream: true, partial_images: 2, quality: 'low', size: '1024x1024' };

  it('covers every optional field', () => expectCovered('CreateImageRequest', [gpt, dalle, streamed]));

  it('forwards stream and partial_images to a GPT Image model, answering with its event stream', async () => {
    const res = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a fox', ...streamed }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await res.text()).toContain('event: image_generation.completed');
    expect(fake.requestsTo('/v1/images/generations')[0]!.json).toEqual({ prompt: 'a fox', n: 1, ...streamed });
  });

  it.each([
    ['gpt-image-1.5', gpt],
    ['dall-e-3', dalle],
  ])('forwards each field %s takes, unchanged', async (_model, fields) => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { prompt: 'a fox', ...fields });
    expect(res.status).toBe(200);
    expect(fake.requestsTo('/v1/images/generations')[0]!.json).toEqual({ prompt: 'a fox', ...fields });
  });
});

describe('CreateImageEditRequest: POST /v1/images/edits as multipart', () => {
  const gpt = {
    model: 'gpt-image-1.5',
    n: 2,
    size: '1024x1536',
    quality: 'high',
    background: 'transparent',
    output_format: 'webp',
    output_compression: 70,
    input_fidelity: 'high',
    user: 'user-1234',
  };
  const dalle = { model: 'dall-e-2', n: 2, size: '256x256', response_format: 'b64_json', user: 'user-1234' };

  it('covers every optional field', () => expectCovered('CreateImageEditRequest', [{ ...gpt, mask: 'file' }, dalle, { stream: true, partial_images: 1 }]));

  it('forwards stream and partial_images on a multipart edit of a GPT Image model', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ model: 'gpt-image-1.5', prompt: 'make it red', stream: 'true', partial_images: '1' })) form.append(k, v);
    form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'image.png');
    const res = await fetch(`${gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(await res.text()).toContain('event: image_edit.completed');
    expect(fake.lastFields).toMatchObject({ stream: 'true', partial_images: '1' });
  });

  it.each([
    ['gpt-image-1.5', gpt],
    ['dall-e-2', dalle],
  ])('forwards each field %s takes, unchanged, with the image and the mask', async (_model, fields) => {
    const res = await multipart('/v1/images/edits', asText({ prompt: 'make it red', ...fields }), [
      ['image', image],
      ['mask', mask],
    ]);
    expect(res.status).toBe(200);
    expect(fake.lastFields).toEqual(asText({ prompt: 'make it red', ...fields }));
    expect(fake.lastFiles.map((f) => f.field)).toEqual(['image', 'mask']);
  });
  it('takes moderation on a multipart edit too, sent upstream in the JSON form, the only one the spec documents it on', async () => {
    const res = await multipart('/v1/images/edits', { model: 'gpt-image-1', prompt: 'make it red', moderation: 'low' }, [['image', image]]);
    expect(res.status).toBe(200);
    const upstream = fake.requestsTo('/v1/images/edits')[0]!;
    expect(upstream.headers['content-type']).toBe('application/json');
    expect(upstream.json).toEqual({ model: 'gpt-image-1', prompt: 'make it red', n: 1, moderation: 'low', images: [{ image_url: dataUrl(image) }] });
  });
});

describe('EditImageBodyJsonParam: POST /v1/images/edits as JSON', () => {
  const fields = {
    model: 'gpt-image-1.5',
    n: 2,
    quality: 'low',
    input_fidelity: 'low',
    size: '1024x1024',
    user: 'user-1234',
    output_format: 'jpeg',
    output_compression: 50,
    moderation: 'low',
    background: 'opaque',
  };

  it('covers every optional field', () => expectCovered('EditImageBodyJsonParam', [{ ...fields, mask: {} }, streamed]));

  const streamed = { model: 'gpt-image-1.5', stream: true, partial_images: 1 };
  it('forwards stream and partial_images on a JSON edit of a GPT Image model', async () => {
    const res = await fetch(`${gw.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'make it red', images: [{ image_url: dataUrl(image) }], ...streamed }),
    });
    expect(await res.text()).toContain('event: image_edit.completed');
    // Without a JSON-only field (moderation) the edit goes upstream in OpenAI's multipart form.
    expect(fake.lastFields).toMatchObject({ model: 'gpt-image-1.5', stream: 'true', partial_images: '1' });
  });

  it('forwards each field gpt-image-1.5 takes, unchanged, the images and mask as the same data URLs', async () => {
    const body = { prompt: 'make it red', images: [{ image_url: dataUrl(image) }], mask: { image_url: dataUrl(mask) }, ...fields };
    const res = await postJson(`${gw.url}/v1/images/edits`, key, body);
    expect(res.status).toBe(200);
    expect(fake.requestsTo('/v1/images/edits')[0]!.json).toEqual(body);
  });
});

describe('CreateImageVariationRequest: POST /v1/images/variations', () => {
  const fields = { model: 'dall-e-2', n: 2, response_format: 'b64_json', size: '512x512', user: 'user-1234' };

  it('covers every optional field', () => expectCovered('CreateImageVariationRequest', [fields]));

  it('forwards each field dall-e-2 takes, unchanged', async () => {
    const res = await multipart('/v1/images/variations', asText(fields), [['image', image]]);
    expect(res.status).toBe(200);
    expect(fake.lastFields).toEqual(asText(fields));
  });
});
