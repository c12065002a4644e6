import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

/** Dialect tests on the offline renderer: a chat-served model and a model taking DashScope's native fields. */
const OVERLAY = `
aliases:
  tokenhub/local: local
models:
  chat-local:
    owned_by: test
    chat_completions: true
    routes: [{ provider: local, upstream_model: local }]
    operations:
      text-to-image: { endpoint: /v1/chat/completions }
      image-to-image: { endpoint: /v1/chat/completions, images: { max_images: 2 } }
    fields: { aspect_ratio: { values: ["1:1", "16:9"] } }
  ds-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [256x256] }
    fields:
      negative_prompt: { max_length: 500 }
      prompt_extend: { type: boolean }
      watermark: { type: boolean }
`;

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startGateway({ overlay: OVERLAY });
  ({ key } = await gw.clientKey());
});
afterAll(async () => gw?.close());

describe('chat completions for image models', () => {
  it('answers with the image as a Markdown data URL in content and in message.images', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0, defaultHeaders: { 'X-TokenHub-Region': 'global' } });
    const res = await client.chat.completions.create({
      model: 'chat-local',
      messages: [{ role: 'user', content: 'a cat on a windowsill' }],
      aspect_ratio: '16:9',
    } as never);
    const content = res.choices[0]!.message.content!;
    const m = /^!\[image\]\(data:image\/png;base64,([^)]+)\)$/.exec(content);
    expect(m).not.toBeNull();
    expect(await imageSize(Buffer.from(m![1]!, 'base64'))).toMatchObject({ width: 1024, height: 576 });
    const images = (res.choices[0]!.message as unknown as { images: Array<{ type: string; image_url: { url: string } }> }).images;
    expect(images[0]!.image_url.url).toBe(content.slice('![image]('.length, -1));
    expect(res.object).toBe('chat.completion');
    expect(res.usage).toHaveProperty('completion_tokens_details');
  });

  it('streams the same completion as chat chunks ending in [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat-local', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'a boat' }] }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks[1].choices[0].delta.content).toMatch(/^!\[image\]\(data:image\/png;base64,/);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('refuses a model that is not served on chat completions, saying which are', async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, key, { model: 'local', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('model');
    expect(res.body.error.message).toContain('chat-local');
  });
});

describe('DashScope-native bodies', () => {
  it("takes input.messages + parameters and answers in DashScope's shape with hosted URLs", async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, {
      model: 'ds-local',
      input: { messages: [{ role: 'user', content: [{ text: 'A flower shop with elegant windows' }] }] },
      parameters: { prompt_extend: true, watermark: false, n: 2, negative_prompt: '', size: '256*256' },
    });
    expect(res.status).toBe(200);
    expect(res.body.output.finished).toBe(true);
    expect(res.body.output.choices).toHaveLength(2);
    const url = res.body.output.choices[0].message.content[0].image as string;
    expect(res.body.output.choices[0].message.content[0].type).toBe('image');
    expect(url.startsWith(`${gw.url}/v1/files/`)).toBe(true);
    expect(res.body.usage).toMatchObject({ image_count: 2, size: '256*256' });
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('names the DashScope field that is wrong', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, {
      model: 'ds-local',
      input: { messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      parameters: { size: '256 x 256' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('parameters.size');
  });
});

describe('model names as other gateways spell them', () => {
  it('resolves an operator alias from IMAGEGATE_CONFIG in JSON and in multipart bodies', async () => {
    expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'tokenhub/local', prompt: 'x', size: '64x64' })).status).toBe(200);
    const form = new FormData();
    form.append('model', 'tokenhub/local');
    form.append('image', new Blob([new Uint8Array(await (await import('../fakes/images.js')).makeImage(64, 64))], { type: 'image/png' }), 'a.png');
    form.append('n', '1');
    const res = await fetch(`${gw.url}/v1/images/variations`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(200);
  });
});
