/**
 * Seed 002's DashScope passthrough examples (Wan models in DashScope's own body and response shape), run
 * against imagegate with a fake DashScope upstream. Reference image URLs are served by a loopback server
 * the test allowlists, standing in for the seed's public URLs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashScopeFake, startDashScopeFake } from '../fakes/dashscope.js';
import { makeImage } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let ds: DashScopeFake;
let files: Server;
let filesUrl = '';
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  ds = await startDashScopeFake();
  const img = await makeImage(480, 480, { format: 'webp' });
  files = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/webp' }).end(img));
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  gw = await startGateway({
    env: { DASHSCOPE_API_KEY: ds.apiKey, DASHSCOPE_BASE_URL: `${ds.url}/api/v1`, IMAGEGATE_URL_ALLOWLIST: filesUrl.replace('http://', '') },
  });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await ds?.close();
  files?.close();
});

const sent = () =>
  ds.requestsTo('/api/v1/services/aigc/multimodal-generation/generation').at(-1)!.json as {
    parameters: Record<string, unknown>;
    input: { messages: Array<{ content: Array<Record<string, string>> }> };
  };
const gen = (body: unknown) => postJson(`${gw.url}/v1/images/generations`, key, body);
const text = (t: string) => ({ input: { messages: [{ role: 'user', content: [{ text: t }] }] } });

describe('seed 002: DashScope passthrough (Wan)', () => {
  it('cURL Example (passthrough): wan2.6-t2i with prompt_extend, watermark, n, negative_prompt, size 1280*1280', async () => {
    const res = await gen({
      model: 'wan2.6-t2i',
      ...text('A flower shop with elegant windows, a beautiful wooden door, and fresh flowers on display.'),
      parameters: { prompt_extend: true, watermark: false, n: 1, negative_prompt: '', size: '1280*1280' },
    });
    expect(res.status).toBe(200);
    expect(res.body.output.finished).toBe(true);
    expect(res.body.output.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: [{ type: 'image' }] } });
    expect(res.body.output.choices[0].message.content[0].image).toMatch(/\/v1\/files\//);
    expect(res.body.usage).toMatchObject({ image_count: 1, size: '1280*1280' });
    expect(typeof res.body.request_id).toBe('string');
    expect(sent().parameters).toMatchObject({ size: '1280*1280', n: 1, watermark: false, prompt_extend: true });
  });

  it('4.1 Text-to-Image: wan2.7-image-pro, size 2K, thinking_mode', async () => {
    const res = await gen({ model: 'wan2.7-image-pro', ...text('A flower shop'), parameters: { size: '2K', n: 1, watermark: false, thinking_mode: true } });
    expect(res.status).toBe(200);
    expect(sent().parameters).toMatchObject({ size: '2K', n: 1, thinking_mode: true });
  });

  it('4.2 Image Editing: two reference images then the text', async () => {
    const res = await gen({
      model: 'wan2.7-image-pro',
      input: {
        messages: [
          {
            role: 'user',
            content: [
              { image: `${filesUrl}/car.webp` },
              { image: `${filesUrl}/paint.webp` },
              { text: 'Apply the graffiti style from image 2 onto the car in image 1.' },
            ],
          },
        ],
      },
      parameters: { size: '2K', n: 1, watermark: false },
    });
    expect(res.status).toBe(200);
    const content = sent().input.messages[0]!.content;
    expect(content.filter((c) => 'image' in c)).toHaveLength(2);
  });

  it('4.3 Interactive Editing: bbox_list passes through', async () => {
    const res = await gen({
      model: 'wan2.7-image-pro',
      input: {
        messages: [
          {
            role: 'user',
            content: [
              { image: `${filesUrl}/clock.webp` },
              { image: `${filesUrl}/room.webp` },
              { text: 'Place the alarm clock from image 1 into the selected box in image 2.' },
            ],
          },
        ],
      },
      parameters: { bbox_list: [[], [[989, 515, 1138, 681]]], size: '2K', n: 1, watermark: false },
    });
    expect(res.status).toBe(200);
    expect(sent().parameters.bbox_list).toEqual([[], [[989, 515, 1138, 681]]]);
  });

  it('4.4 Group Image Generation: enable_sequential with n 4 returns four images', async () => {
    const res = await gen({
      model: 'wan2.7-image-pro',
      ...text('A cinematic four-image sequence of the same orange cat'),
      parameters: { enable_sequential: true, n: 4, size: '2K' },
    });
    expect(res.status).toBe(200);
    expect(res.body.output.choices).toHaveLength(4);
    expect(sent().parameters).toMatchObject({ enable_sequential: true, n: 4 });
  });

  it("always sends n and watermark upstream, so DashScope's own default of 4 images never applies", async () => {
    await gen({ model: 'wan2.6-t2i', ...text('x'), parameters: { size: '1280*1280' } });
    expect(sent().parameters).toMatchObject({ n: 1, watermark: false });
  });

  it('the same model through the OpenAI shape: size 1280x1280 becomes 1280*1280', async () => {
    const res = await gen({ model: 'dashscope/wan2.6-t2i', prompt: 'x', size: '1280x1280' });
    expect(res.status).toBe(200);
    expect(sent().parameters.size).toBe('1280*1280');
    expect(res.body.data[0].url).toMatch(/\/v1\/files\//);
  });
});
