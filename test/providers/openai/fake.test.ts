/** The fake itself speaks §1 and refuses what the real API refuses, so adapter tests can trust it to catch a wrong request. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { FAKE_KEY } from './job.js';

let fake: OpenAIFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

interface Reply {
  status: number;
  requestId: string | null;
  body: { error?: { message: string; type: string; param: string | null; code: string | null }; data?: Array<{ b64_json?: string; url?: string }> } & Record<
    string,
    unknown
  >;
}

async function call(path: string, body: BodyInit, headers: Record<string, string> = {}, key: string | undefined = FAKE_KEY): Promise<Reply> {
  const res = await fetch(`${fake.url}/v1${path}`, { method: 'POST', body, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
  return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as Reply['body'] };
}

const generate = (body: Record<string, unknown>, key?: string) =>
  call('/images/generations', JSON.stringify(body), { 'content-type': 'application/json' }, key);

async function form(entries: Array<[string, string] | [string, Buffer, string]>): Promise<FormData> {
  const f = new FormData();
  for (const [name, value, filename] of entries) {
    if (typeof value === 'string') f.append(name, value);
    else f.append(name, new Blob([new Uint8Array(value)], { type: 'image/png' }), filename);
  }
  return f;
}

describe('the OpenAI fake', () => {
  it("answers a request without an API key with OpenAI's 401 invalid_api_key shape", async () => {
    const r = await generate({ model: 'gpt-image-1', prompt: 'x' }, '');
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    expect(r.body.error!.message).toMatch(/^Incorrect API key provided/);
    expect(r.requestId).toMatch(/^req_/);
  });

  it('refuses a size the model does not take with 400 param size, and n 2 on dall-e-3 with param n', async () => {
    const size = await generate({ model: 'gpt-image-1', prompt: 'x', size: '1792x1024' });
    expect([size.status, size.body.error!.param, size.body.error!.type]).toEqual([400, 'size', 'invalid_request_error']);
    const n = await generate({ model: 'dall-e-3', prompt: 'x', n: 2 });
    expect([n.status, n.body.error!.param]).toEqual([400, 'n']);
  });

  it('refuses a missing prompt, response_format on a GPT model, and style on dall-e-2', async () => {
    expect((await generate({ model: 'gpt-image-1' })).body.error).toMatchObject({ param: 'prompt', code: 'missing_required_parameter' });
    expect((await generate({ model: 'gpt-image-1', prompt: 'x', response_format: 'b64_json' })).body.error).toMatchObject({
      param: 'response_format',
      code: 'unknown_parameter',
    });
    expect((await generate({ model: 'dall-e-2', prompt: 'x', style: 'vivid' })).body.error!.param).toBe('style');
  });

  it('returns real images of the requested size and format as b64_json, with x-request-id', async () => {
    const r = await generate({ model: 'gpt-image-1', prompt: 'x', size: '1024x1536', output_format: 'jpeg', n: 2 });
    expect(r.status).toBe(200);
    expect(r.requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(r.body.data).toHaveLength(2);
    expect(await imageSize(Buffer.from(r.body.data![0]!.b64_json!, 'base64'))).toMatchObject({ width: 1024, height: 1536, format: 'jpeg' });
    expect(r.body).toMatchObject({ size: '1024x1536', output_format: 'jpeg' });
  });

  it('serves dall-e url results itself', async () => {
    const r = await generate({ model: 'dall-e-2', prompt: 'x', size: '512x512' });
    const url = r.body.data![0]!.url!;
    expect(url).toMatch(new RegExp(`^${fake.url}/files/[\\w-]+\\.png$`));
    expect(await imageSize(Buffer.from(await (await fetch(url)).arrayBuffer()))).toMatchObject({ width: 512, height: 512, format: 'png' });
  });

  it('records edit files and refuses repeated image fields, a mask of another size and a non-image file', async () => {
    const img = await makeImage(64, 64);
    const ok = await call(
      '/images/edits',
      await form([
        ['model', 'gpt-image-1'],
        ['prompt', 'x'],
        ['image[]', img, 'a.png'],
        ['image[]', img, 'b.png'],
      ]),
    );
    expect(ok.status).toBe(200);
    expect(fake.lastFiles.map((f) => [f.field, f.filename, f.type, f.bytes])).toEqual([
      ['image[]', 'a.png', 'image/png', img.length],
      ['image[]', 'b.png', 'image/png', img.length],
    ]);
    const twice = await call(
      '/images/edits',
      await form([
        ['model', 'gpt-image-1'],
        ['prompt', 'x'],
        ['image', img, 'a.png'],
        ['image', img, 'b.png'],
      ]),
    );
    expect([twice.status, twice.body.error!.code]).toEqual([400, 'duplicate_parameter']);
    const mask = await makeImage(32, 32, { alpha: true });
    const badMask = await call(
      '/images/edits',
      await form([
        ['model', 'gpt-image-1'],
        ['prompt', 'x'],
        ['image', img, 'a.png'],
        ['mask', mask, 'm.png'],
      ]),
    );
    expect([badMask.status, badMask.body.error!.param]).toEqual([400, 'mask']);
    const notImage = await call(
      '/images/edits',
      await form([
        ['model', 'gpt-image-1'],
        ['prompt', 'x'],
        ['image', Buffer.from('hello'), 'a.png'],
      ]),
    );
    expect([notImage.status, notImage.body.error!.code]).toEqual([400, 'invalid_image_file']);
  });

  it('refuses a prompt on variations and a variation on a GPT model', async () => {
    const img = await makeImage(64, 64);
    const prompt = await call(
      '/images/variations',
      await form([
        ['model', 'dall-e-2'],
        ['prompt', 'x'],
        ['image', img, 'a.png'],
      ]),
    );
    expect([prompt.status, prompt.body.error!.param]).toEqual([400, 'prompt']);
    const gpt = await call(
      '/images/variations',
      await form([
        ['model', 'gpt-image-1'],
        ['image', img, 'a.png'],
      ]),
    );
    expect([gpt.status, gpt.body.error!.param]).toEqual([400, 'model']);
  });

  it('answers the fixed response byte for byte while one is set, and protocol replies again once cleared', async () => {
    const fixed = Buffer.from('{"created":1,"data":[{"b64_json":"AAAA"}]}');
    fake.setFixedResponse(fixed);
    const res = await fetch(`${fake.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(fixed)).toBe(true);
    fake.setFixedResponse(undefined);
    expect((await generate({})).status).toBe(400);
  });

  it('answers failNextWith once, in the OpenAI error shape with the given headers', async () => {
    fake.failNextWith(429, { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after': '3' });
    const res = await fetch(`${fake.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'x' }),
    });
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '3']);
    expect(await res.json()).toEqual({ error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    expect((await generate({ model: 'gpt-image-1', prompt: 'x' })).status).toBe(200);
  });
});
