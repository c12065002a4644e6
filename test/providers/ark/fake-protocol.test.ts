/** The Ark fake refuses what real Ark refuses, so a wrong adapter request fails a test instead of passing. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArkFake, startArkFake } from '../../fakes/ark.js';
import { SEEDREAM_40, SEEDREAM_45 } from './job.js';

let fake: ArkFake;

async function post(body: unknown, auth = `Bearer ${fake.apiKey}`): Promise<{ status: number; json: { error?: Record<string, string>; data?: unknown[] } }> {
  const res = await fetch(`${fake.url}/api/v3/images/generations`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { error?: Record<string, string>; data?: unknown[] } };
}
const base = { model: SEEDREAM_40, prompt: 'a boat' };

beforeAll(async () => {
  fake = await startArkFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('ark fake protocol', () => {
  it('answers a request without the right Bearer key with 401 AuthenticationError in Ark error shape', async () => {
    const r = await post(base, 'Bearer nope');
    expect(r.status).toBe(401);
    expect(r.json.error).toMatchObject({ code: 'AuthenticationError', type: 'Unauthorized', param: '' });
    expect(r.json.error!.message).toEqual(expect.any(String));
  });

  it('refuses sizes outside each model rule and tiers the model lacks', async () => {
    expect((await post({ ...base, size: '512x512' })).json.error).toMatchObject({ code: 'InvalidParameter', param: 'size' });
    expect((await post({ ...base, size: '4000x200' })).status).toBe(400);
    expect((await post({ ...base, model: SEEDREAM_45, size: '1K' })).json.error).toMatchObject({ code: 'InvalidParameter', param: 'size' });
    expect((await post({ ...base, model: SEEDREAM_45, size: '1920x1080' })).status).toBe(400);
    expect((await post({ ...base, size: '1K' })).status).toBe(200);
  });

  it('refuses an unknown model with 404 and a missing prompt with MissingParameter', async () => {
    expect((await post({ ...base, model: 'doubao-seedream-9' })).status).toBe(404);
    expect((await post({ model: SEEDREAM_40 })).json.error).toMatchObject({ code: 'MissingParameter', param: 'prompt' });
  });

  it('refuses a non-boolean watermark, a bad image shape, an undecodable data URL and fields Seedream lacks', async () => {
    expect((await post({ ...base, watermark: 'false' })).json.error).toMatchObject({ param: 'watermark' });
    expect((await post({ ...base, image: 42 })).json.error).toMatchObject({ param: 'image' });
    expect((await post({ ...base, image: 'data:image/png;base64,aGVsbG8=' })).json.error).toMatchObject({ param: 'image' });
    expect((await post({ ...base, n: 2 })).json.error).toMatchObject({ param: 'n' });
    expect((await post({ ...base, seed: 1 })).json.error).toMatchObject({ param: 'seed' });
  });

  it('watermarks by default, as Ark does', async () => {
    await post(base);
    expect(fake.watermarks).toEqual([true]);
  });

  it('returns up to 15 images for sequential generation without max_images, and max_images when given', async () => {
    expect((await post({ ...base, sequential_image_generation: 'auto', response_format: 'b64_json' })).json.data).toHaveLength(15);
    expect((await post({ ...base, sequential_image_generation: 'auto', sequential_image_generation_options: { max_images: 2 } })).json.data).toHaveLength(2);
  });
});
