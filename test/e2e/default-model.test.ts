import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

/** The offline renderer, also served on chat completions, as the operator's default model (named by an alias). */
const OVERLAY = 'models:\n  local:\n    chat_completions: true\n';

let plain: TestGateway;
let withDefault: TestGateway;
let plainKey: string;
let key: string;

beforeAll(async () => {
  [plain, withDefault] = await Promise.all([
    startGateway({ overlay: OVERLAY }),
    startGateway({ overlay: OVERLAY, env: { IMAGEGATE_DEFAULT_MODEL: 'local-renderer' } }),
  ]);
  ({ key: plainKey } = await plain.clientKey());
  ({ key } = await withDefault.clientKey());
});
afterAll(async () => {
  await plain?.close();
  await withDefault?.close();
});

async function multipart(url: string, apiKey: string, fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('image', new Blob([new Uint8Array(await makeImage(64, 64, { format: 'png' }))], { type: 'image/png' }), 'image.png');
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

describe('IMAGEGATE_DEFAULT_MODEL', () => {
  it('keeps model required when no default is set', async () => {
    const res = await postJson(`${plain.url}/v1/images/generations`, plainKey, { prompt: 'a fox' });
    expect([res.status, res.body.error.param, res.body.error.message]).toEqual([400, 'model', expect.stringContaining('model is required')]);
    const chat = await postJson(`${plain.url}/v1/chat/completions`, plainKey, { messages: [{ role: 'user', content: 'a fox' }] });
    expect([chat.status, chat.body.error.param]).toEqual([400, 'model']);
  });

  it('runs generations, edits, variations and chat without model on the default, under its canonical id', async () => {
    const gen = await postJson(`${withDefault.url}/v1/images/generations`, key, { prompt: 'a fox', size: '256x256' });
    expect([gen.status, gen.body.imagegate.model]).toEqual([200, 'local']);
    const edit = await multipart(`${withDefault.url}/v1/images/edits`, key, { prompt: 'a fox', size: '256x256' });
    expect([edit.status, edit.body.imagegate.model]).toEqual([200, 'local']);
    const variation = await multipart(`${withDefault.url}/v1/images/variations`, key, { size: '256x256' });
    expect([variation.status, variation.body.imagegate.model]).toEqual([200, 'local']);
    const chat = await postJson(`${withDefault.url}/v1/chat/completions`, key, { messages: [{ role: 'user', content: 'a fox' }], size: '256x256' });
    expect([chat.status, chat.body.model]).toEqual([200, 'local']);
  });

  it('leaves a request that names a model to that model', async () => {
    const res = await postJson(`${withDefault.url}/v1/images/generations`, key, { model: 'nope', prompt: 'a fox' });
    expect([res.status, res.body.error.code]).toEqual([404, 'model_not_found']);
  });

  it('stops the start with a clear message when the default is unknown or its provider has no key', async () => {
    await expect(startGateway({ env: { IMAGEGATE_DEFAULT_MODEL: 'no-such-model' } })).rejects.toThrow(
      /^IMAGEGATE_DEFAULT_MODEL: "no-such-model" cannot be the default model: no model or alias has that name \(offered: local\)$/,
    );
    await expect(startGateway({ env: { IMAGEGATE_DEFAULT_MODEL: 'gpt-image-2' } })).rejects.toThrow(/its provider has no credentials/);
  });
});
