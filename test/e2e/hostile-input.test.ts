/**
 * Client strings that would end up in logs, the request log or error messages: capped, refused with the
 * field named, and never echoed whole; content types read case-insensitively.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let key: string;
beforeAll(async () => {
  gw = await startGateway();
  ({ key } = await gw.clientKey({ balance: 10_000_000 }));
});
afterAll(() => gw?.close());

const gen = (body: unknown, headers?: Record<string, string>) => postJson(`${gw.url}/v1/images/generations`, key, body, headers);

async function loggedRow(requestId: string) {
  await gw.gateway.requestLog.flush();
  return gw.gateway.db.kysely.selectFrom('request_log').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
}

describe('client strings in errors and logs', () => {
  it('refuses a model name over 256 characters as invalid_request on model, echoing none of it', async () => {
    const model = 'm'.repeat(1024 * 1024);
    const res = await gen({ model, prompt: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', param: 'model' });
    expect(res.text.length).toBeLessThan(500);
    const row = await loggedRow(res.headers.get('x-request-id')!);
    expect(row.model ?? '').not.toContain('mmmmmmmmmm');
    expect(row.request_shape ?? '').not.toContain('mmmmmmmmmm');
  });

  it('refuses an over-long model name on the chat and multipart endpoints too', async () => {
    const chat = await postJson(`${gw.url}/v1/chat/completions`, key, { model: 'm'.repeat(300), messages: [{ role: 'user', content: 'x' }] });
    expect(chat.status).toBe(400);
    expect(chat.body.error.param).toBe('model');
    const form = new FormData();
    form.set('model', 'm'.repeat(300));
    form.set('prompt', 'x');
    form.set('image', new Blob([new Uint8Array(await makeImage(32, 32))], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('model');
  });

  it('refuses an over-long field name without echoing it', async () => {
    const name = 'f'.repeat(100_000);
    const res = await gen({ model: 'local', prompt: 'x', [name]: 1 });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(500);
  });

  it('echoes only an excerpt of a long value the contract refuses', async () => {
    const res = await gen({ model: 'local', prompt: 'x', style: `odd${'s'.repeat(3000)}` });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('style');
    expect(res.text.length).toBeLessThan(600);
  });

  it('refuses a string param over 4096 characters naming it', async () => {
    const res = await gen({ model: 'local', prompt: 'x', style: 's'.repeat(5000) });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('style');
    expect(res.text.length).toBeLessThan(500);
  });
});

describe('content types', () => {
  it('takes APPLICATION/JSON on /v1/images/edits as JSON, not multipart', async () => {
    const url = `data:image/png;base64,${(await makeImage(32, 32)).toString('base64')}`;
    const res = await postJson(
      `${gw.url}/v1/images/edits`,
      key,
      { model: 'local', prompt: 'x', size: '64x64', images: [{ image_url: url }] },
      { 'content-type': 'APPLICATION/JSON; Charset=UTF-8' },
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
  });

  it('takes a data URL written in upper case after whitespace, and keeps it out of the request log', async () => {
    const url = ` DATA:image/png;base64,${(await makeImage(32, 32)).toString('base64')}`;
    const res = await postJson(`${gw.url}/v1/images/edits`, key, { model: 'local', prompt: 'x', size: '64x64', images: [{ image_url: url }] });
    expect(res.status).toBe(200);
    const row = await loggedRow(res.headers.get('x-request-id')!);
    expect(row.request_shape).toContain('[data-url');
    expect(row.request_shape).not.toContain('base64,');
  });
});

describe('decoded pixels per request', () => {
  const edit = async (url: string, form: FormData) => {
    const res = await fetch(`${url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    return { status: res.status, body: (await res.json()) as any };
  };
  const file = async (w: number, h: number) => new Blob([new Uint8Array(await makeImage(w, h))], { type: 'image/png' });

  it('refuses a 6000x6000 PNG (a small file) by its header, naming the field and the limit', async () => {
    const png = await makeImage(6000, 6000);
    expect(png.length).toBeLessThan(2 * 1024 * 1024);
    const form = new FormData();
    form.set('model', 'local');
    form.set('prompt', 'x');
    form.set('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'big.png');
    const res = await edit(gw.url, form);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('image');
    expect(res.body.error.message).toContain('6000x6000');
    expect(res.body.error.message).toContain(String(32 * 1024 * 1024));
  });

  it('counts all images and the mask against IMAGEGATE_MAX_REQUEST_PIXELS, naming the image that crosses it', async () => {
    const small = await startGateway({ env: { IMAGEGATE_MAX_REQUEST_PIXELS: String(3 * 64 * 64 - 1) } });
    try {
      const k = (await small.clientKey({ balance: 10_000_000 })).key;
      const send = async (form: FormData) => {
        const res = await fetch(`${small.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${k}` }, body: form });
        return { status: res.status, body: (await res.json()) as any };
      };
      const three = new FormData();
      three.set('model', 'local');
      three.set('prompt', 'x');
      for (let i = 0; i < 3; i++) three.append('image[]', await file(64, 64), `${i}.png`);
      const res = await send(three);
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('image[2]');
      expect(res.body.error.message).toContain(String(3 * 64 * 64 - 1));

      const withMask = new FormData();
      withMask.set('model', 'local');
      withMask.set('prompt', 'x');
      for (let i = 0; i < 2; i++) withMask.append('image[]', await file(64, 64), `${i}.png`);
      withMask.set(
        'mask',
        new Blob([new Uint8Array(await makeImage(64, 64, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } }))], { type: 'image/png' }),
        'm.png',
      );
      const masked = await send(withMask);
      expect(masked.status).toBe(400);
      expect(masked.body.error.param).toBe('mask');

      const two = new FormData();
      two.set('model', 'local');
      two.set('prompt', 'x');
      two.set('size', '64x64');
      for (let i = 0; i < 2; i++) two.append('image[]', await file(64, 64), `${i}.png`);
      expect((await send(two)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
