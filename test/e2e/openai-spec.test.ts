/**
 * Real replies of every OpenAI endpoint imagegate serves, validated against OpenAI's published schemas
 * (test/support/openai-spec.ts): images from GPT image models, DALL·E and the offline renderer, edits as
 * multipart and JSON, variations, the model list and detail, chat completions whole and streamed, errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArkFake, startArkFake } from '../fakes/ark.js';
import { type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { validateAgainst } from '../support/openai-spec.js';

/** The offline renderer served on chat completions too, so chat replies can be checked without an upstream. */
const OVERLAY = 'models:\n  local:\n    chat_completions: true\n';

let fake: OpenAIFake;
let gemini: GeminiFake;
let ark: ArkFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  [fake, gemini, ark] = await Promise.all([startOpenAIFake(), startGeminiFake(), startArkFake()]);
  gw = await startGateway({
    overlay: OVERLAY,
    env: {
      OPENAI_API_KEY: 'sk-fake-openai',
      OPENAI_BASE_URL: `${fake.url}/v1`,
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: `${gemini.url}/v1beta`,
      ARK_API_KEY: ark.apiKey,
      ARK_BASE_URL: `${ark.url}/api/v3`,
    },
  });
  ({ key } = await gw.clientKey({ balance: 100_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([fake?.close(), gemini?.close(), ark?.close()]);
});
beforeEach(() => fake.reset());

const png = (w: number, h: number, alpha = false) => makeImage(w, h, alpha ? { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } } : {});
const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

async function multipart(path: string, fields: Record<string, string>, files: Array<[string, Buffer]>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [name, bytes] of files) form.append(name, new Blob([new Uint8Array(bytes)], { type: 'image/png' }), `${name}.png`);
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

const get = async (path: string, apiKey = key) => {
  const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: res.status, body: (await res.json()) as any };
};

describe('images replies conform to ImagesResponse', () => {
  it('gpt-image-2 b64: the settings the model used at the top level, never quality auto, with usage', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-2', prompt: 'a fox', quality: 'auto', background: 'auto' });
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(res.body).toMatchObject({ size: '1024x1024', quality: 'medium', background: 'opaque', output_format: 'png', usage: { output_tokens: 1756 } });
  });

  it('dall-e-3 url: no top-level settings, as OpenAI sends none for DALL·E', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'dall-e-3', prompt: 'a fox', response_format: 'url', quality: 'hd' });
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(res.body.data[0].url).toMatch(/^http:\/\//);
    for (const field of ['size', 'quality', 'background', 'output_format']) expect(res.body).not.toHaveProperty(field);
  });

  it('the offline renderer: an unlisted size and quality auto stay out of the top level', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'local', prompt: 'a fox', size: '256x256' });
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect([res.body.size, res.body.quality, res.body.data[0].size]).toEqual([undefined, undefined, '256x256']);
  });

  it('a dated snapshot the spec lists: resolved, and sent upstream as the snapshot', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-2-2026-04-21', prompt: 'a fox', size: '1536x1024', quality: 'low' });
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(fake.requests[0]!.json).toMatchObject({ model: 'gpt-image-2-2026-04-21' });
    expect(res.body.imagegate.model).toBe('gpt-image-2-2026-04-21');
  });

  it.each([
    ['Gemini', 'nano-banana', { aspect_ratio: '16:9' }],
    ['Seedream', 'seedream-4.0', { size: '2048x2048' }],
  ])('%s through the OpenAI dialect: settings outside the enums stay in data[].size', async (_provider, model, params) => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model, prompt: 'a banana', response_format: 'b64_json', ...params });
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(res.body).not.toHaveProperty('quality');
  });

  it('edits, multipart with two images and a mask', async () => {
    const res = await multipart('/v1/images/edits', { model: 'gpt-image-1.5', prompt: 'make it red', quality: 'high' }, [
      ['image[]', await png(64, 64)],
      ['image[]', await png(64, 64)],
      ['mask', await png(64, 64, true)],
    ]);
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(res.body.quality).toBe('high');
  });

  it('edits, JSON with images by data URL and moderation', async () => {
    const res = await postJson(`${gw.url}/v1/images/edits`, key, {
      model: 'gpt-image-2',
      prompt: 'make it red',
      images: [{ image_url: dataUrl(await png(64, 64)) }],
      moderation: 'low',
    });
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(fake.requestsTo('/v1/images/edits')[0]!.json).toMatchObject({ model: 'gpt-image-2', moderation: 'low' });
  });

  it('variations with dall-e-2', async () => {
    const res = await multipart('/v1/images/variations', { model: 'dall-e-2', n: '2', size: '256x256', response_format: 'b64_json' }, [
      ['image', await png(64, 64)],
    ]);
    expect(res.status).toBe(200);
    expect(validateAgainst('ImagesResponse', res.body)).toEqual([]);
    expect(res.body.data).toHaveLength(2);
  });
});

describe('models conform to ListModelsResponse and Model', () => {
  it('lists every model, dated snapshots as entries of their own, and details each', async () => {
    const list = await get('/v1/models');
    expect(list.status).toBe(200);
    expect(validateAgainst('ListModelsResponse', list.body)).toEqual([]);
    const ids = list.body.data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-image-2', 'gpt-image-2-2026-04-21', 'gpt-image-1.5-2025-12-16', 'local']));
    const snapshot = await get('/v1/models/gpt-image-2-2026-04-21');
    expect(validateAgainst('Model', snapshot.body)).toEqual([]);
    expect(snapshot.body.imagegate.snapshot_of).toBe('gpt-image-2');
    const base = await get('/v1/models/openai/gpt-image-2');
    expect(validateAgainst('Model', base.body)).toEqual([]);
    expect(base.body.imagegate.snapshots).toEqual(['gpt-image-2-2026-04-21']);
  });
});

describe('chat completions conform to CreateChatCompletionResponse and its stream chunks', () => {
  it('a whole completion carries logprobs and refusal as null', async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, key, { model: 'local', messages: [{ role: 'user', content: 'a fox' }], size: '256x256' });
    expect(res.status).toBe(200);
    expect(validateAgainst('CreateChatCompletionResponse', res.body)).toEqual([]);
    expect([res.body.choices[0].logprobs, res.body.choices[0].message.refusal]).toEqual([null, null]);
  });

  it('a Gemini completion with text beside the image conforms too', async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, key, { model: 'nano-banana', messages: [{ role: 'user', content: 'a banana' }] });
    expect(res.status).toBe(200);
    expect(validateAgainst('CreateChatCompletionResponse', res.body)).toEqual([]);
  });

  it('every streamed chunk conforms, usage included', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'local',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'a fox' }],
        size: '256x256',
      }),
    });
    const events = (await res.text()).split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks) expect(validateAgainst('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    expect(chunks[0].choices[0]).toMatchObject({ delta: { role: 'assistant', refusal: null }, logprobs: null });
  });
});

describe('errors conform to ErrorResponse', () => {
  it('400 with param, 401, 404 model_not_found, and an upstream refusal', async () => {
    const bad = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-2', prompt: 'a fox', quality: 'ultra' });
    const unauthorized = await get('/v1/models', 'sk-wrong');
    const missing = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'no-such-model', prompt: 'a fox' });
    fake.moderateNext = 1;
    const refused = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1', prompt: 'a fox' });
    expect([bad.status, unauthorized.status, missing.status, refused.status]).toEqual([400, 401, 404, 400]);
    for (const res of [bad, unauthorized, missing, refused]) expect(validateAgainst('ErrorResponse', res.body)).toEqual([]);
    expect(bad.body.error.param).toBe('quality');
  });
});
