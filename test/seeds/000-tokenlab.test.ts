/**
 * Seed 000 (an image-gateway integration guide) as a conformance suite: model discovery with contracts,
 * text-to-image, Nano Banana image-to-image with reference URLs, async polling, and its common errors.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let openai: OpenAIFake;
let gemini: GeminiFake;
let files: Server;
let filesUrl = '';
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  openai = await startOpenAIFake();
  gemini = await startGeminiFake();
  const png = await makeImage(64, 64);
  files = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  gw = await startGateway({
    env: {
      OPENAI_API_KEY: 'sk-fake-openai',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: `${gemini.url}/v1beta`,
      IMAGEGATE_URL_ALLOWLIST: filesUrl.replace('http://', ''),
    },
  });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await openai?.close();
  await gemini?.close();
  files?.close();
});

const auth = () => ({ authorization: `Bearer ${key}` });
const gen = (body: unknown, headers: Record<string, string> = {}) => postJson(`${gw.url}/v1/images/generations`, key, body, headers);

describe('seed 000: pick a model, generate, poll', () => {
  it('Pick A Model: /v1/models?recommended_for=image lists image models with public_contract_summary', async () => {
    const body = (await (await fetch(`${gw.url}/v1/models?recommended_for=image`, { headers: auth() })).json()) as any;
    const ids = body.data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-image-2', 'gemini-2.5-flash-image', 'local']));
    for (const m of body.data) expect(m.imagegate.public_contract_summary.operations.length).toBeGreaterThan(0);
  });

  it('Pick A Model: the model detail exposes the fuller public_contract (operation, endpoint, reference shape, fields)', async () => {
    const body = (await (await fetch(`${gw.url}/v1/models/nano-banana`, { headers: auth() })).json()) as any;
    const c = body.imagegate.public_contract;
    const i2i = c.operations.find((o: { operation: string }) => o.operation === 'image-to-image');
    expect(i2i.endpoint).toBe('/v1/images/generations');
    expect(c.fields).toHaveProperty('aspect_ratio');
  });

  it('Text-To-Image Example: gpt-image-2, size 1024x1024, response_format url', async () => {
    const res = await gen({
      model: 'gpt-image-2',
      prompt: 'A clean product photo of a ceramic coffee cup on a walnut desk',
      size: '1024x1024',
      response_format: 'url',
    });
    expect(res.status).toBe(200);
    expect(res.body.data[0].url).toMatch(/\/v1\/files\//);
  });

  it('Reference-Image Example: nano-banana image-to-image with image_urls and aspect_ratio', async () => {
    const res = await gen({
      model: 'nano-banana',
      operation: 'image-to-image',
      prompt: 'Keep the product shape, change the background to a bright studio setup',
      image_urls: [`${filesUrl}/input/product.png`],
      aspect_ratio: '1:1',
    });
    expect(res.status).toBe(200);
    const sent = gemini.requests.at(-1)!.json as { contents: Array<{ parts: Array<Record<string, unknown>> }> };
    expect(sent.contents[0]!.parts.some((p) => 'inlineData' in p || 'inline_data' in p)).toBe(true);
  });

  it('Handling Results: an async response has id, task_id, status and poll_url; poll until terminal', async () => {
    const res = await gen({ model: 'gpt-image-2', prompt: 'x', size: '1024x1024' }, { prefer: 'respond-async' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: res.body.task_id, status: 'pending' });
    let task: any;
    for (let i = 0; i < 100; i++) {
      task = await (await fetch(res.body.poll_url, { headers: auth() })).json();
      if (['succeeded', 'failed', 'canceled'].includes(task.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(task.status).toBe('succeeded');
    expect(task.data[0].url).toBeTruthy();
    expect(task.data[0].b64_json).toBeUndefined();
  });

  it('Common Errors: 400 with param "model" when model is missing', async () => {
    const res = await gen({ prompt: 'x' });
    expect([res.status, res.body.error.param]).toEqual([400, 'model']);
  });

  it('Common Errors: an unsupported field is refused, naming it', async () => {
    const res = await gen({ model: 'nano-banana', prompt: 'x', quality: 'high' });
    expect([res.status, res.body.error.param]).toEqual([400, 'quality']);
  });

  it('Common Errors: no b64_json on an async result (async images are URL-oriented)', async () => {
    const res = await gen({ model: 'gpt-image-2', prompt: 'x', response_format: 'b64_json', async: true });
    expect(res.status).toBe(202);
  });

  it('Common Errors: a private reference URL is rejected', async () => {
    const res = await gen({ model: 'nano-banana', operation: 'image-to-image', prompt: 'x', image_urls: ['http://10.1.2.3/p.png'] });
    expect([res.status, res.body.error.param]).toEqual([400, 'image_urls[0]']);
  });

  it('Request Shape Rules: /v1/images/generations does not accept top-level images[] or file_id', async () => {
    expect((await gen({ model: 'gpt-image-2', prompt: 'x', file_id: 'file_1' })).body.error.param).toBe('file_id');
  });
});
