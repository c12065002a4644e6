/**
 * Streamed image generation and edits end to end: the real server in front of the fake OpenAI speaking its
 * image stream, read with plain fetch (to see events as they arrive) and with the official `openai` package.
 * The fake can hold its answer after the first partial image (a gate), so "relayed before the upstream
 * finished" is checked by order, not by timing.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../fakes/images.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { type NamedEvent, NamedEvents } from '../support/named-events.js';
import { specErrors } from '../support/image-stream-schemas.js';

const KEEP_ALIVE_MS = 40;

let fake: OpenAIFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startGateway({
    env: { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: `${fake.url}/v1`, IMAGEGATE_STREAM_KEEPALIVE_MS: String(KEEP_ALIVE_MS) },
  });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

/** A held-back upstream: the fake waits after its first partial image until `release()`. */
function holdAfterFirstPartial(): () => void {
  let release!: () => void;
  fake.stream.gate = new Promise<void>((r) => (release = r));
  return release;
}

function post(body: Record<string, unknown>, opts: { headers?: Record<string, string>; signal?: AbortSignal; apiKey?: string } = {}) {
  return fetch(`${gw.url}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.apiKey ?? key}`, 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse at dusk', stream: true, ...body }),
    signal: opts.signal,
  });
}

async function logRow(requestId: string) {
  await gw.gateway.requestLog.flush();
  return gw.gateway.db.kysely.selectFrom('request_log').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
}

const decoded = (b64: string) => imageSize(Buffer.from(b64, 'base64'));

/** Each event is named by its type and is what the spec's schema for that type says. */
function expectSpecEvents(events: readonly NamedEvent[]): void {
  for (const e of events) {
    expect(e.name).toBe(e.data.type);
    expect(specErrors(e.data)).toEqual([]);
  }
}

describe('image generation with stream: true', () => {
  it('relays two partial images then the completed event with usage', async () => {
    const release = holdAfterFirstPartial();
    const before = await gw.balance(key);
    const res = await post({ partial_images: 2, size: '1024x1536', quality: 'low' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const holdId = res.headers.get('x-billing-transaction-id');
    expect(holdId).toBeTruthy();
    const events = new NamedEvents(res);

    // The upstream is still holding the rest of its answer: this preview was relayed as it arrived.
    const first = await events.next();
    expect(first!.name).toBe('image_generation.partial_image');
    expect(first!.data).toEqual({
      type: 'image_generation.partial_image',
      b64_json: expect.any(String),
      created_at: expect.any(Number),
      size: '1024x1536',
      quality: 'low',
      background: 'opaque',
      output_format: 'png',
      partial_image_index: 0,
    });
    expect(await decoded(first!.data.b64_json)).toMatchObject({ format: 'png', width: 1024, height: 1536 });
    expect(await events.raw()).toBe(': keep-alive');
    release();

    const rest = await events.rest();
    expect(rest.map((e) => e.name)).toEqual(['image_generation.partial_image', 'image_generation.completed']);
    expectSpecEvents([first!, ...rest]);
    expect(rest[0]!.data.partial_image_index).toBe(1);
    const completed = rest[1]!.data;
    expect(completed).toMatchObject({
      type: 'image_generation.completed',
      size: '1024x1536',
      quality: 'low',
      background: 'opaque',
      output_format: 'png',
      // gpt-image-1 at low quality and 1024x1536 makes 408 output tokens; the fake counts the prompt at a token per 4 bytes (and a fixed few).
      usage: { input_tokens: 11, output_tokens: 408, total_tokens: 419, input_tokens_details: { text_tokens: 11, image_tokens: 0 } },
      imagegate: {
        request_id: res.headers.get('x-request-id'),
        model: 'gpt-image-1',
        billing: { billing_transaction_id: holdId, currency: 'USD', unit: 'micro' },
      },
    });
    expect(completed.b64_json).not.toBe(first!.data.b64_json);
    expect(await decoded(completed.b64_json)).toMatchObject({ format: 'png', width: 1024, height: 1536 });
    expect(fake.requests[0]!.json).toMatchObject({ model: 'gpt-image-1', stream: true, partial_images: 2 });

    // Billed once the completed event was delivered, on what the upstream reported.
    const amount = completed.imagegate.billing.amount as number;
    expect(amount).toBeGreaterThan(0);
    await expect.poll(async () => (await gw.balance(key)).held).toBe(0);
    expect((await gw.balance(key)).available).toBe(before.available - amount);
    const row = await logRow(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ status: 200, error_code: null, images: 1, amount, model: 'gpt-image-1', endpoint: '/v1/images/generations' });
    expect(row.request_shape).toContain('"stream":true');
  });

  it('answers a refused stream request as a JSON 400 before any event', async () => {
    const broke = await gw.clientKey({ balance: 0 });
    const cases: Array<[Response, number, string, string | null]> = [
      [await post({ size: '999x999' }), 400, 'invalid_request', 'size'],
      [await post({ partial_images: 4 }), 400, 'invalid_request', 'partial_images'],
      [await post({ stream: 'yes' }), 400, 'invalid_request', 'stream'],
      [await post({ response_format: 'url', model: 'dall-e-3' }), 400, 'invalid_request', 'response_format'],
      [await post({ async: true }), 400, 'invalid_request', 'stream'],
      [await post({ stream: false, partial_images: 1 }), 400, 'invalid_request', 'partial_images'],
      [await post({}, { apiKey: broke.key }), 402, 'insufficient_balance', null],
      [await post({}, { apiKey: 'sk-not-a-key' }), 401, 'invalid_api_key', null],
    ];
    for (const [res, status, code, param] of cases) {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe(code);
      if (param) expect(body.error.param).toBe(param);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('takes partial_images 0 without stream as the plain JSON answer it asks for', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1', prompt: 'a fox', partial_images: 0 });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(fake.requests[0]!.json).not.toHaveProperty('partial_images');
  });

  it('refuses partial_images 3 on a model that sends none, naming partial_images', async () => {
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'dall-e-3', prompt: 'a fox', stream: true, partial_images: 3 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', param: 'partial_images' });
    expect(res.body.error.message).toContain('sends no partial images');
    expect(fake.requests).toHaveLength(0);
  });

  it('states in each public contract how many partial images the model can send', async () => {
    const contract = async (id: string) =>
      ((await (await fetch(`${gw.url}/v1/models/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any).imagegate.public_contract;
    expect((await contract('gpt-image-1')).stream).toEqual({ partial_images: { min: 0, max: 3 } });
    expect((await contract('dall-e-3')).stream).toEqual({ partial_images: { min: 0, max: 0 } });
    expect((await contract('local')).stream).toEqual({ partial_images: { min: 0, max: 0 } });
  });

  it('cuts partial_images down to what the model sends for a key that drops unsupported fields, and says so', async () => {
    const dropping = await gw.clientKey({ balance: 5_000_000, attrs: { drop_unsupported: true } });
    fake.knobs.latencyMs = 3 * KEEP_ALIVE_MS;
    const res = await post({ model: 'dall-e-3', partial_images: 3 }, { apiKey: dropping.key });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-imagegate-dropped-fields')).toBe('partial_images');
    const events = await new NamedEvents(res).rest();
    expect(events.map((e) => e.name)).toEqual(['image_generation.completed']);
  });

  it('sends keep-alives and one completed event for a model without partial images', async () => {
    // DALL·E has no stream upstream: its whole answer comes after a while, and its url default becomes b64_json.
    fake.knobs.latencyMs = 4 * KEEP_ALIVE_MS;
    const res = await post({ model: 'dall-e-3', size: '1024x1024' });
    expect(res.status).toBe(200);
    const events = new NamedEvents(res);
    const all = await events.rest();
    expect(events.keepAlives).toBeGreaterThanOrEqual(2);
    expect(all).toHaveLength(1);
    expect(all[0]!.name).toBe('image_generation.completed');
    expectSpecEvents(all);
    expect(all[0]!.data).toMatchObject({
      type: 'image_generation.completed',
      size: 'auto',
      quality: 'auto',
      background: 'auto',
      output_format: 'png',
      usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
    });
    expect(await decoded(all[0]!.data.b64_json)).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(fake.requests[0]!.json).toMatchObject({ model: 'dall-e-3', response_format: 'b64_json' });
    expect(fake.requests[0]!.json).not.toHaveProperty('stream');
  });

  it('streams the built-in renderer: one completed event per image, the usage once', async () => {
    const res = await post({ model: 'local', n: 2, size: '256x256' });
    const all = await new NamedEvents(res).rest();
    expect(all.map((e) => e.name)).toEqual(['image_generation.completed', 'image_generation.completed']);
    expectSpecEvents(all);
    expect(all[0]!.data).not.toHaveProperty('imagegate');
    expect(all[1]!.data.imagegate.request_id).toBe(res.headers.get('x-request-id'));
    for (const e of all) expect(await decoded(e.data.b64_json)).toMatchObject({ width: 256, height: 256 });
  });

  it('answers n: 2 on a GPT Image model with two completed events and no partial images, OpenAI streaming one image per request', async () => {
    const res = await post({ n: 2, partial_images: 2 });
    const all = await new NamedEvents(res).rest();
    expect(all.map((e) => e.name)).toEqual(['image_generation.completed', 'image_generation.completed']);
    expectSpecEvents(all);
    expect(all[0]!.data.usage.total_tokens).toBe(0);
    expect(all[1]!.data.usage.output_tokens).toBe(2 * 1056);
    expect(fake.requests[0]!.json).toMatchObject({ n: 2 });
    expect(fake.requests[0]!.json).not.toHaveProperty('stream');
  });

  it('refunds the hold when the upstream connection drops after the first partial image', async () => {
    fake.streamFaultNext('break-after-partial');
    const before = await gw.balance(key);
    const all = await new NamedEvents(await post({ partial_images: 1 })).rest();
    expect(all.map((e) => e.name)).toEqual(['image_generation.partial_image', 'error']);
    expect(all[1]!.data.error.code).toBe('upstream_error');
    await expect.poll(async () => (await gw.balance(key)).held).toBe(0);
    expect((await gw.balance(key)).available).toBe(before.available);
  });

  it('Idempotency-Key: a repeat replays the same stream without a second upstream call or charge', async () => {
    const headers = { 'idempotency-key': `image-stream-${Date.now()}` };
    const first = await post({ partial_images: 1 }, { headers });
    const firstText = await first.text();
    const before = await gw.balance(key);
    const again = await post({ partial_images: 1 }, { headers });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await again.text()).toBe(firstText.replaceAll(': keep-alive\n\n', ''));
    expect(fake.requests).toHaveLength(1);
    expect((await gw.balance(key)).available).toBe(before.available);
    // The same key without stream is another request.
    const other = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'gpt-image-1', prompt: 'a lighthouse at dusk' }, headers);
    expect(other.status).toBe(409);
  });
});

describe('image edits with stream: true', () => {
  it('streams a multipart edit as image_edit events', async () => {
    const form = new FormData();
    form.set('model', 'gpt-image-1');
    form.set('prompt', 'add a red scarf');
    form.set('stream', 'true');
    form.set('partial_images', '1');
    form.set('image', new Blob([new Uint8Array(await makeImage(64, 64))], { type: 'image/png' }), 'cat.png');
    const res = await fetch(`${gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(200);
    const all = await new NamedEvents(res).rest();
    expect(all.map((e) => e.name)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    expectSpecEvents(all);
    expect(all[0]!.data).toMatchObject({ type: 'image_edit.partial_image', partial_image_index: 0 });
    expect(all[1]!.data).toMatchObject({ type: 'image_edit.completed', usage: { output_tokens: 1056 } });
    expect(fake.lastFields).toMatchObject({ stream: 'true', partial_images: '1' });
  });

  it('streams a JSON edit with images[].image_url', async () => {
    const url = `data:image/png;base64,${(await makeImage(64, 64)).toString('base64')}`;
    const res = await fetch(`${gw.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'add a hat', images: [{ image_url: url }], stream: true, partial_images: 2 }),
    });
    const all = await new NamedEvents(res).rest();
    expect(all.map((e) => e.name)).toEqual(['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
    expectSpecEvents(all);
  });

  it('refuses stream on variations, which are answered whole', async () => {
    const form = new FormData();
    form.set('model', 'dall-e-2');
    form.set('stream', 'true');
    form.set('image', new Blob([new Uint8Array(await makeImage(64, 64))], { type: 'image/png' }), 'cat.png');
    const res = await fetch(`${gw.url}/v1/images/variations`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('stream');
  });
});

describe('the openai package reads image streams', () => {
  const client = () => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });

  it('client.images.generate({stream: true, partial_images: 2}) yields two partial images and the completed event', async () => {
    const stream = await client().images.generate({ model: 'gpt-image-1', prompt: 'a fox', stream: true, partial_images: 2, size: '1024x1024' });
    const seen: string[] = [];
    let usage: OpenAI.Images.ImageGenCompletedEvent['usage'] | undefined;
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === 'image_generation.partial_image') expect(event.partial_image_index).toBe(seen.length - 1);
      if (event.type === 'image_generation.completed') {
        usage = event.usage;
        expect((await decoded(event.b64_json)).width).toBe(1024);
      }
    }
    expect(seen).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
    expect(usage?.output_tokens).toBe(1056);
  });

  it('client.images.edit({stream: true}) yields the completed edit', async () => {
    const image = await toFile(await makeImage(64, 64), 'cat.png', { type: 'image/png' });
    const stream = await client().images.edit({ model: 'gpt-image-1', prompt: 'add a hat', image, stream: true, partial_images: 1 });
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type);
    expect(seen).toEqual(['image_edit.partial_image', 'image_edit.completed']);
  });

  it('raises an error event as an APIError', async () => {
    fake.streamFaultNext('error-after-partial');
    const stream = await client().images.generate({ model: 'gpt-image-1', prompt: 'a fox', stream: true, partial_images: 1 });
    const seen: string[] = [];
    const read = async () => {
      for await (const event of stream) seen.push(event.type);
    };
    await expect(read()).rejects.toMatchObject({ error: { code: 'upstream_error' } });
    expect(seen).toEqual(['image_generation.partial_image']);
  });
});
