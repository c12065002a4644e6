/**
 * Seed 002 (a multi-protocol image gateway's model guide) as a conformance suite: OpenAI-shaped generations
 * and edits under another gateway's model names, Gemini image models on chat completions, and Seedream's
 * flat body. (The DashScope Wan examples run in dashscope-native tests once the DashScope adapter is wired.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArkFake, startArkFake } from '../fakes/ark.js';
import { type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let openai: OpenAIFake;
let gemini: GeminiFake;
let ark: ArkFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  openai = await startOpenAIFake();
  gemini = await startGeminiFake();
  ark = await startArkFake();
  gw = await startGateway({
    // The operator maps the other gateway's spellings onto imagegate's models.
    overlay: `
aliases:
  tokenhub/gpt-image-2: gpt-image-2
  tokenhub/gemini-3.1-flash-image-preview: gemini-3.1-flash-image-preview
  tokenhub/gemini-3-pro-image-preview: gemini-3-pro-image-preview
`,
    env: {
      OPENAI_API_KEY: 'sk-fake-openai',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: `${gemini.url}/v1beta`,
      ARK_API_KEY: ark.apiKey,
      ARK_BASE_URL: `${ark.url}/api/v3`,
    },
  });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await openai?.close();
  await gemini?.close();
  await ark?.close();
});

describe('seed 002: image model guide', () => {
  it('Text-to-image (generations): tokenhub/gpt-image-2, size, n → data[0].b64_json by default', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, {
      model: 'tokenhub/gpt-image-2',
      prompt: '一只橘猫在窗边,摄影风格',
      size: '1024x1024',
      n: 1,
    });
    expect(res.status).toBe(200);
    expect(res.body.data[0].b64_json).toBeTruthy();
    expect(res.body.usage).toHaveProperty('input_tokens');
  });

  it('Text-to-image: response_format url returns data[0].url instead', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, {
      model: 'tokenhub/gpt-image-2',
      prompt: 'x',
      size: '1024x1024',
      response_format: 'url',
    });
    expect(res.body.data[0].url).toMatch(/\/v1\/files\//);
  });

  it('Image edits (OpenAI-compatible): multipart -F image=@… with tokenhub/gpt-image-2', async () => {
    const f = new FormData();
    f.append('model', 'tokenhub/gpt-image-2');
    f.append('image', new Blob([new Uint8Array(await makeImage(64, 64))], { type: 'image/png' }), 'image.png');
    f.append('prompt', '给图中的主体加上一顶红色贝雷帽');
    f.append('n', '1');
    f.append('size', '1024x1024');
    const res = await fetch(`${gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: f });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data[0].b64_json).toBeTruthy();
  });

  it('Image edits: without @ curl sends the path as text, and the gateway says the image file is required', async () => {
    const f = new FormData();
    f.append('model', 'tokenhub/gpt-image-2');
    f.append('image', '/path/to/image.png');
    f.append('prompt', 'x');
    const res = await fetch(`${gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: f });
    const body = (await res.json()) as any;
    expect(res.status).toBe(400);
    expect(body.error.param).toBe('image');
  });

  it('Text-to-image (chat completions): tokenhub/gemini-3.1-flash-image-preview with X-TokenHub-Region → Markdown data URL and image_tokens usage', async () => {
    const res = await postJson(
      `${gw.url}/v1/chat/completions`,
      key,
      { model: 'tokenhub/gemini-3.1-flash-image-preview', messages: [{ role: 'user', content: '画一只橘猫,摄影风格' }] },
      { 'X-TokenHub-Region': 'global' },
    );
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('chat.completion');
    expect(res.body.choices[0].message.content).toMatch(/^!\[image\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\)$/);
    expect(res.body.choices[0].finish_reason).toBe('stop');
    expect(res.body.usage.completion_tokens_details).toHaveProperty('image_tokens');
  });

  it('Same request shape for tokenhub/gemini-3-pro-image-preview, replacing model only', async () => {
    const res = await postJson(
      `${gw.url}/v1/chat/completions`,
      key,
      { model: 'tokenhub/gemini-3-pro-image-preview', messages: [{ role: 'user', content: '画一只橘猫,摄影风格' }] },
      { 'X-TokenHub-Region': 'global' },
    );
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toMatch(/^!\[image\]\(data:image\/png;base64,/);
  });

  it('Text-only (same endpoint): a plain question gets a plain text chat answer', async () => {
    gemini.textOnlyNext('4');
    const res = await postJson(
      `${gw.url}/v1/chat/completions`,
      key,
      { model: 'tokenhub/gemini-3.1-flash-image-preview', messages: [{ role: 'user', content: '2+2等于几?只回答数字' }] },
      { 'X-TokenHub-Region': 'global' },
    );
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toBe('4');
    expect(res.body.choices[0].message).not.toHaveProperty('images');
  });

  it('Text-only on /v1/images/generations stays no_image_generated (nothing charged)', async () => {
    gemini.textOnlyNext('I would rather describe it.');
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gemini-3.1-flash-image-preview', prompt: 'x' });
    expect([res.status, res.body.error.code]).toEqual([400, 'no_image_generated']);
  });

  it('Seedream flat body: ark/doubao-seedream-4-0-250828 with prompt and size', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, {
      model: 'ark/doubao-seedream-4-0-250828',
      prompt: '日落下的城市天际线,电影感光影',
      size: '1024x1024',
    });
    expect(res.status).toBe(200);
    expect(res.body.data[0].size).toBe('1024x1024');
    expect(ark.requestsTo('/api/v3/images/generations').at(-1)!.json).toMatchObject({
      model: 'doubao-seedream-4-0-250828',
      size: '1024x1024',
      watermark: false,
    });
  });
});
