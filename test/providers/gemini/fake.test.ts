/** The fake refuses what the real API refuses, so a wrong adapter request fails these suites. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';

let fake: GeminiFake;
beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => fake.close());

async function post(model: string, body: unknown, auth: { header?: string; query?: string } = { header: 'valid' }) {
  const key = (v: string) => (v === 'valid' ? fake.apiKey : v);
  const url = `${fake.url}/v1beta/models/${model}:generateContent${auth.query ? `?key=${key(auth.query)}` : ''}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth.header ? { 'x-goog-api-key': key(auth.header) } : {}) };
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { error?: { code: number; status: string; message: string }; candidates?: unknown[] } };
}

const prompt = (imageConfig?: Record<string, string>) => ({
  contents: [{ role: 'user', parts: [{ text: 'a pear' }] }],
  generationConfig: { responseModalities: ['TEXT', 'IMAGE'], ...(imageConfig ? { imageConfig } : {}) },
});

describe('gemini fake', () => {
  it("answers a request without a key with 403 PERMISSION_DENIED in Google's error shape", async () => {
    const r = await post('gemini-2.5-flash-image', prompt(), {});
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
  });

  it('answers a wrong key with 400 INVALID_ARGUMENT "API key not valid"', async () => {
    const r = await post('gemini-2.5-flash-image', prompt(), { header: 'nope' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' });
  });

  it('takes the key as ?key= too', async () => {
    const r = await post('gemini-2.5-flash-image', prompt(), { query: 'valid' });
    expect(r.status).toBe(200);
    expect(r.body.candidates).toHaveLength(1);
  });

  it.each([
    ['gemini-2.5-flash-image', { aspectRatio: '1:4' }],
    ['gemini-2.5-flash-image', { imageSize: '1K' }],
    ['gemini-3-pro-image-preview', { imageSize: '2k' }],
    ['gemini-3-pro-image-preview', { aspectRatio: '8:1' }],
    ['gemini-3-pro-image-preview', { aspect_ratio: '1:1' }],
  ])('refuses %s imageConfig %j with 400 INVALID_ARGUMENT', async (model, imageConfig) => {
    const r = await post(model, prompt(imageConfig));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  });

  it('refuses a request without contents and one with an unknown top-level field', async () => {
    expect((await post('gemini-2.5-flash-image', { generationConfig: {} })).status).toBe(400);
    expect((await post('gemini-2.5-flash-image', { ...prompt(), prompt: 'x' })).status).toBe(400);
  });
});
