/**
 * Seed 001 (an OpenAI-shaped image gateway's guide) as a conformance suite: generations with a
 * provider-prefixed model, edits with a mask and variations, run unchanged but for base URL and key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

let fake: OpenAIFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startGateway({ env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` } });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

/** A curl -F form: fields and files. */
async function form(path: string, fields: Record<string, string>, files: Record<string, Buffer>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [k, v] of Object.entries(files)) f.append(k, new Blob([new Uint8Array(v)], { type: 'image/png' }), `${k}.png`);
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: f });
  return { status: res.status, body: (await res.json()) as any };
}

describe('seed 001: generate, edit, vary', () => {
  it('Generate an image from a prompt: openai/dall-e-3, n 1, size 1024x1024 → data[].url with revised_prompt', async () => {
    const res = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'openai/dall-e-3',
        prompt: 'A photorealistic white cat sitting on a wooden desk next to a laptop, soft morning light',
        n: 1,
        size: '1024x1024',
      }),
    });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(typeof body.created).toBe('number');
    expect(body.data[0].url).toMatch(/^http/);
    expect(body.data[0].revised_prompt).toContain('white cat');
    expect((await fetch(body.data[0].url)).status).toBe(200);
  });

  it('Edit an image with a mask: openai/dall-e-2, square PNG + mask → data[].url', async () => {
    const image = await makeImage(64, 64, { alpha: true });
    const mask = await makeImage(64, 64, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });
    const res = await form(
      '/v1/images/edits',
      { model: 'openai/dall-e-2', prompt: 'A sunlit garden with blooming red roses', n: '1', size: '1024x1024' },
      { image, mask },
    );
    expect(res.status).toBe(200);
    expect(res.body.data[0].url).toMatch(/^http/);
  });

  it('Edit: a non-square source is refused for dall-e-2, naming image', async () => {
    const res = await form('/v1/images/edits', { model: 'openai/dall-e-2', prompt: 'x' }, { image: await makeImage(64, 32) });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('image');
  });

  it('Create variations of an image: openai/dall-e-2, n 3, size 512x512 → three urls', async () => {
    const res = await form('/v1/images/variations', { model: 'openai/dall-e-2', n: '3', size: '512x512' }, { image: await makeImage(64, 64) });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(3);
    for (const d of res.body.data) expect(d.url).toMatch(/^http/);
  });

  it('Variations: n above 10 is refused, naming n', async () => {
    const res = await form('/v1/images/variations', { model: 'openai/dall-e-2', n: '11' }, { image: await makeImage(64, 64) });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('n');
  });
});
