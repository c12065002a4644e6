import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize } from '../fakes/images.js';
import { ADMIN_KEY, postJson, startGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  gw = await startGateway();
  ({ key } = await gw.clientKey());
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => gw?.close());

/** `k: null` sends no Authorization header. */
const gen = (body: unknown, headers?: Record<string, string>, k: string | null = key) =>
  postJson(`${gw.url}/v1/images/generations`, k ?? undefined, body, headers);

describe('text-to-image with the official openai SDK', () => {
  it('returns a PNG of the requested size as b64_json', async () => {
    const res = await client.images.generate({ model: 'local', prompt: 'a red fox in the snow', size: '512x512', response_format: 'b64_json' });
    const bytes = Buffer.from(res.data![0]!.b64_json!, 'base64');
    expect(await imageSize(bytes)).toMatchObject({ width: 512, height: 512, format: 'png' });
  });

  it('returns a signed URL that serves the image with its content type', async () => {
    const res = await client.images.generate({ model: 'local', prompt: 'a lighthouse at night', size: '256x256', response_format: 'url' });
    const url = res.data![0]!.url!;
    expect(url.startsWith(`${gw.url}/v1/files/img_`)).toBe(true);
    const img = await fetch(url);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(await imageSize(Buffer.from(await img.arrayBuffer()))).toMatchObject({ width: 256, height: 256 });
  });

  it('honours output_format jpeg and n=2', async () => {
    const res = await client.images.generate({
      model: 'local',
      prompt: 'two boats',
      n: 2,
      size: '256x256',
      output_format: 'jpeg',
      response_format: 'b64_json',
    } as never);
    expect(res.data).toHaveLength(2);
    for (const d of res.data!) expect((await imageSize(Buffer.from(d.b64_json!, 'base64'))).format).toBe('jpeg');
  });

  it('accepts the key in x-api-key as well as Authorization', async () => {
    const res = await gen({ model: 'local', prompt: 'x', size: '64x64' }, { 'x-api-key': key }, null);
    expect(res.status).toBe(200);
    expect(res.body.data[0].b64_json).toBeTruthy();
  });

  it('resolves a provider-prefixed model name', async () => {
    const res = await gen({ model: 'imagegate/local', prompt: 'x', size: '64x64' });
    expect(res.status).toBe(200);
    expect(res.body.imagegate.model).toBe('local');
  });
});

describe('request validation', () => {
  const expectError = (res: { status: number; body: any }, status: number, code: string, param: string | null) => {
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.param).toBe(param);
    expect(typeof res.body.error.message).toBe('string');
    expect(typeof res.body.error.type).toBe('string');
  };

  it('rejects a request without model with invalid_request on param model, pointing at model discovery', async () => {
    const res = await gen({ prompt: 'a cat' });
    expectError(res, 400, 'invalid_request', 'model');
    expect(res.body.error.message).toContain('/v1/models?recommended_for=image');
  });

  it('rejects an unknown model with 404 model_not_found', async () => {
    expectError(await gen({ model: 'no-such-model', prompt: 'a cat' }), 404, 'model_not_found', 'model');
  });

  it('rejects an OpenAI model when OPENAI_API_KEY is not set, with 404 model_not_found', async () => {
    const res = await gen({ model: 'dall-e-3', prompt: 'a cat' });
    expectError(res, 404, 'model_not_found', 'model');
    expect(res.body.error.message).toContain('provider is not configured');
  });

  it('rejects a prompt longer than the model allows with invalid_request on param prompt', async () => {
    expectError(await gen({ model: 'local', prompt: 'x'.repeat(32001) }), 400, 'invalid_request', 'prompt');
  });

  it('rejects a missing prompt with invalid_request on param prompt', async () => {
    expectError(await gen({ model: 'local' }), 400, 'invalid_request', 'prompt');
  });

  it('rejects n above the model maximum with invalid_request on param n', async () => {
    expectError(await gen({ model: 'local', prompt: 'x', n: 11 }), 400, 'invalid_request', 'n');
  });

  it('rejects a non-integer n with invalid_request on param n', async () => {
    expectError(await gen({ model: 'local', prompt: 'x', n: 1.5 }), 400, 'invalid_request', 'n');
  });

  for (const [label, size] of [
    ['"big"', 'big'],
    ['"1024 x 1024"', '1024 x 1024'],
    ['"1024X1024" (uppercase X)', '1024X1024'],
    ['the number 1024', 1024],
    ['an object', { width: 1024, height: 1024 }],
    ['a 17-character string', '10240000x1024000'],
  ] as const) {
    it(`rejects size ${label} with invalid_request on param size`, async () => {
      expectError(await gen({ model: 'local', prompt: 'x', size }), 400, 'invalid_request', 'size');
    });
  }

  it('rejects a well-formed size the model does not accept, listing what it accepts', async () => {
    const res = await gen({ model: 'local', prompt: 'x', size: '4096x4096' });
    expectError(res, 400, 'invalid_request', 'size');
    expect(res.body.error.message).toContain('1024x1024');
  });

  it('rejects a field outside the model contract with invalid_request naming the field', async () => {
    const res = await gen({ model: 'local', prompt: 'x', size: '64x64', input_fidelity: 'high' });
    expectError(res, 400, 'invalid_request', 'input_fidelity');
  });

  it("rejects a value outside a field's allowed values, naming the field", async () => {
    expectError(await gen({ model: 'local', prompt: 'x', quality: 'ultra' }), 400, 'invalid_request', 'quality');
  });

  it('rejects top-level images on /v1/images/generations, pointing at /v1/images/edits', async () => {
    const res = await gen({ model: 'local', prompt: 'x', images: [{ image_url: 'https://example.com/a.png' }] });
    expectError(res, 400, 'invalid_request', 'images');
    expect(res.body.error.message).toContain('/v1/images/edits');
  });

  it('rejects a body that is not JSON with invalid_request', async () => {
    const res = await gen('{"model": "local", ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('rejects a wrong content type with 415 in the OpenAI error shape', async () => {
    const res = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe('unsupported_media_type');
  });

  it('rejects an oversized body with 413 payload_too_large', async () => {
    const small = await startGateway({ env: { IMAGEGATE_BODY_LIMIT_BYTES: '1000' } });
    try {
      const { key: k } = await small.clientKey();
      const res = await postJson(`${small.url}/v1/images/generations`, k, { model: 'local', prompt: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
    } finally {
      await small.close();
    }
  });

  it('drops unsupported fields when IMAGEGATE_DROP_UNSUPPORTED=1 and reports them in a header', async () => {
    const lax = await startGateway({ env: { IMAGEGATE_DROP_UNSUPPORTED: '1' } });
    try {
      const { key: k } = await lax.clientKey();
      const res = await postJson(`${lax.url}/v1/images/generations`, k, { model: 'local', prompt: 'x', size: '64x64', input_fidelity: 'high', foo: 1 });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-imagegate-dropped-fields')).toBe('input_fidelity,foo');
    } finally {
      await lax.close();
    }
  });
});

describe('authentication', () => {
  it('answers 401 invalid_api_key without a key', async () => {
    const res = await gen({ model: 'local', prompt: 'x' }, {}, null);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_api_key');
  });

  it('answers 401 invalid_api_key for a wrong key', async () => {
    const res = await gen({ model: 'local', prompt: 'x' }, {}, 'sk-ig-wrong');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_api_key');
  });

  it('answers 401 for a revoked key, at once', async () => {
    const { key: k, keyId } = await gw.clientKey();
    expect((await gen({ model: 'local', prompt: 'x', size: '16x16' }, {}, k)).status).toBe(200);
    expect((await gw.admin(`/v1/admin/keys/${keyId}/revoke`, { body: {} })).status).toBe(200);
    const res = await gen({ model: 'local', prompt: 'x' }, {}, k);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_api_key');
  });

  it('answers 403 to a client key on the admin API', async () => {
    const res = await fetch(`${gw.url}/v1/admin/accounts`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(403);
  });

  it('puts x-request-id on successes and errors alike', async () => {
    const ok = await fetch(`${gw.url}/healthz`);
    const bad = await gen({ model: 'local', prompt: 'x' }, {}, null);
    expect(ok.headers.get('x-request-id')).toMatch(/^req_/);
    expect(bad.headers.get('x-request-id')).toMatch(/^req_/);
  });
});

describe('model discovery', () => {
  it('lists image models in the OpenAI list shape with a contract summary', async () => {
    const res = await fetch(`${gw.url}/v1/models?recommended_for=image`, { headers: { authorization: `Bearer ${key}` } });
    const body = await res.json();
    expect(body.object).toBe('list');
    const local = body.data.find((m: { id: string }) => m.id === 'local');
    expect(local).toMatchObject({ object: 'model', owned_by: 'imagegate' });
    expect(local.imagegate.public_contract_summary.operations).toContain('text-to-image');
    expect(body.data.some((m: { id: string }) => m.id === 'dall-e-3')).toBe(false);
  });

  it('shows the full public contract of one model', async () => {
    const res = await fetch(`${gw.url}/v1/models/local`, { headers: { authorization: `Bearer ${key}` } });
    const body = await res.json();
    const c = body.imagegate.public_contract;
    expect(c.operations.map((o: { operation: string }) => o.operation)).toEqual(expect.arrayContaining(['text-to-image', 'edit', 'variation']));
    expect(c.fields.n.max).toBe(10);
    expect(c.fields.size.values).toContain('1024x1024');
    expect(c.price.currency).toBe('USD');
  });

  it('offers the OpenAI models only when OPENAI_API_KEY is set', async () => {
    const withKey = await startGateway({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:9' } });
    try {
      const res = await fetch(`${withKey.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const ids = (await res.json()).data.map((m: { id: string }) => m.id);
      expect(ids).toEqual(expect.arrayContaining(['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini', 'dall-e-3', 'dall-e-2']));
      const detail = await (await fetch(`${withKey.url}/v1/models/openai/dall-e-3`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
      expect(detail.id).toBe('dall-e-3');
      expect(detail.imagegate.public_contract.fields.n.max).toBe(1);
    } finally {
      await withKey.close();
    }
  });
});

describe('hosted image URLs', () => {
  async function oneUrl(): Promise<string> {
    const res = await gen({ model: 'local', prompt: 'link', size: '32x32', response_format: 'url' });
    return res.body.data[0].url as string;
  }

  it('refuses a tampered signature with 403', async () => {
    const url = new URL(await oneUrl());
    url.searchParams.set(
      'sig',
      url.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    );
    expect((await fetch(url)).status).toBe(403);
  });

  it('refuses a changed expiry with 403', async () => {
    const url = new URL(await oneUrl());
    url.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    expect((await fetch(url)).status).toBe(403);
  });

  it('refuses an expired link with 403', async () => {
    const short = await startGateway({ env: { IMAGEGATE_URL_TTL_SECONDS: '1' } });
    try {
      const { key: k } = await short.clientKey();
      const res = await postJson(`${short.url}/v1/images/generations`, k, { model: 'local', prompt: 'x', size: '16x16', response_format: 'url' });
      const url = res.body.data[0].url as string;
      expect((await fetch(url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await fetch(url)).status).toBe(403);
    } finally {
      await short.close();
    }
  });
});

describe('request log', () => {
  it('records each request with a sanitized shape and no key or image data', async () => {
    const res = await gen({ model: 'local', prompt: `logged ${'p'.repeat(400)}`, size: '16x16' });
    await gw.gateway.requestLog.flush();
    const row = await gw.gateway.db.kysely.selectFrom('request_log').selectAll().where('id', '=', res.headers.get('x-request-id')!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ model: 'local', endpoint: '/v1/images/generations', status: 200, images: 1 });
    expect(row.request_shape!.length).toBeLessThan(600);
    expect(row.request_shape).not.toContain(key);
    expect(row.request_shape).toContain('chars)');
  });
});
