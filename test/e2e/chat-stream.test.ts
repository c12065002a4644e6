/**
 * Streaming chat completions end to end: the real server, the fake Gemini speaking streamGenerateContent,
 * read with plain fetch (to see bytes as they arrive) and with the official `openai` package. The fake can
 * hold its image back (a gate), so "sent before the upstream finished" is checked by order, not by timing.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GeminiFake, startGeminiFake } from '../fakes/gemini.js';
import { imageSize } from '../fakes/images.js';
import { NamedEvents } from '../support/named-events.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

const MODEL = 'gemini-3.1-flash-image-preview';
const KEEP_ALIVE_MS = 40;
const STREAM_PATH = `/v1beta/models/${MODEL}:streamGenerateContent`;

let gemini: GeminiFake;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gemini = await startGeminiFake();
  gw = await startGateway({
    env: { GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: `${gemini.url}/v1beta`, IMAGEGATE_STREAM_KEEPALIVE_MS: String(KEEP_ALIVE_MS) },
  });
  ({ key } = await gw.clientKey({ balance: 50_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await gemini?.close();
});
beforeEach(() => gemini.reset());

/** A held-back upstream: the fake waits before its image until `release()`. */
function holdImage(): () => void {
  let release!: () => void;
  gemini.stream.gate = new Promise<void>((r) => (release = r));
  return release;
}

function post(body: Record<string, unknown>, opts: { headers?: Record<string, string>; signal?: AbortSignal; apiKey?: string } = {}) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.apiKey ?? key}`, 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'draw an orange cat' }], ...body }),
    signal: opts.signal,
  });
}

/** A chat stream's data values as they arrive, '[DONE]' as a string (NamedEvents reads the body). */
class Events {
  private readonly events: NamedEvents;

  constructor(res: Response) {
    this.events = new NamedEvents(res);
  }

  raw(): Promise<string | undefined> {
    return this.events.raw();
  }

  async next(): Promise<any> {
    return (await this.events.next())?.data;
  }

  async rest(): Promise<any[]> {
    return (await this.events.rest()).map((e) => e.data);
  }
}

async function logRow(requestId: string) {
  await gw.gateway.requestLog.flush();
  return gw.gateway.db.kysely.selectFrom('request_log').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
}

describe('chat completions with stream: true', () => {
  it('sends headers and the assistant chunk at once, keep-alives while Gemini works, its text as it comes, then the image, usage and [DONE]', async () => {
    gemini.captionNext('Here is your orange cat.');
    const release = holdImage();
    const res = await post({ stream_options: { include_usage: true } });
    // The upstream is still holding its image: everything below arrives before it has finished.
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const holdId = res.headers.get('x-billing-transaction-id');
    expect(holdId).toBeTruthy();
    const events = new Events(res);
    const first = await events.next();
    expect(first).toMatchObject({
      object: 'chat.completion.chunk',
      model: MODEL,
      choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }],
    });
    let text = '';
    while (text !== 'Here is your orange cat.') {
      const chunk = await events.next();
      expect(chunk.id).toBe(first.id);
      expect(chunk.choices[0].delta.images).toBeUndefined();
      text += chunk.choices[0].delta.content;
    }
    // Nothing more can come until the upstream sends its image: only keep-alive comments, one per idle period.
    for (let i = 0; i < 2; i++) expect(await events.raw()).toBe(': keep-alive');
    expect(gemini.requestsTo(STREAM_PATH)).toHaveLength(1);
    release();

    const rest = await events.rest();
    expect(rest.at(-1)).toBe('[DONE]');
    const [imageChunk, finish] = rest.slice(0, -1);
    expect(rest).toHaveLength(3);
    const content = imageChunk.choices[0].delta.content as string;
    const m = /^\n\n!\[image\]\((data:image\/png;base64,([A-Za-z0-9+/=]+))\)$/.exec(content);
    expect(m).not.toBeNull();
    expect(imageChunk.choices[0].delta.images).toEqual([{ type: 'image_url', image_url: { url: m![1] } }]);
    expect(await imageSize(Buffer.from(m![2]!, 'base64'))).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(finish.usage.completion_tokens_details).toEqual({ text_tokens: 6, image_tokens: 1120 });
    expect(finish.imagegate.billing).toMatchObject({ billing_transaction_id: holdId, currency: 'USD', unit: 'micro' });
    expect(finish.imagegate.billing.amount).toBeGreaterThan(0);
  });

  it('the openai package reads the stream with client.chat.completions.create({stream: true})', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: '画一只橘猫,摄影风格' }],
    });
    let content = '';
    const roles: string[] = [];
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0]!;
      if (choice.delta.role) roles.push(choice.delta.role);
      content += choice.delta.content ?? '';
      if (choice.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(roles).toEqual(['assistant']);
    expect(content).toMatch(/^!\[image\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\)$/);
    expect(finishReason).toBe('stop');
    expect(usage?.completion_tokens_details).toMatchObject({ image_tokens: 1120 });
  });

  it('without stream_options.include_usage the final chunk carries no usage', async () => {
    const all = await new Events(await post({})).rest();
    const finish = all.at(-2);
    expect(finish.choices[0].finish_reason).toBe('stop');
    expect(finish).not.toHaveProperty('usage');
  });

  it('bills and logs exactly like the same request without stream', async () => {
    const body = { model: MODEL, messages: [{ role: 'user', content: 'a lighthouse at dusk' }] };
    const before = await gw.balance(key);
    const whole = await postJson(`${gw.url}/v1/chat/completions`, key, body);
    expect(whole.status).toBe(200);
    const streamed = await post({ messages: body.messages });
    const chunks = await new Events(streamed).rest();
    const billing = chunks.at(-2).imagegate.billing;
    expect(billing.amount).toBe(whole.body.imagegate.billing.amount);
    const after = await gw.balance(key);
    expect(before.available - after.available).toBe(2 * billing.amount);
    expect(after.held).toBe(0);

    const [a, b] = [await logRow(whole.headers.get('x-request-id')!), await logRow(streamed.headers.get('x-request-id')!)];
    for (const row of [a, b])
      expect(row).toMatchObject({ model: MODEL, endpoint: '/v1/chat/completions', status: 200, error_code: null, images: 1, amount: billing.amount });
    expect(b.billing_transaction_id).toBe(billing.billing_transaction_id);
    expect(b.request_shape).toContain('"stream":true');
  });

  it('refusals before the first byte are JSON errors with their HTTP status', async () => {
    const broke = await gw.clientKey({ balance: 0 });
    const cases: Array<[Response, number, string, string | null]> = [
      [await post({}, { apiKey: broke.key }), 402, 'insufficient_balance', null],
      [await post({ size: '2K', model: 'gemini-2.5-flash-image' }), 400, 'invalid_request', 'size'],
      [await post({ stream_options: 'yes' }), 400, 'invalid_request', 'stream_options'],
      [await post({}, { apiKey: 'sk-not-a-key' }), 401, 'invalid_api_key', null],
    ];
    for (const [res, status, code, param] of cases) {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe(code);
      if (param) expect(body.error.param).toBe(param);
    }
    expect(gemini.requests).toHaveLength(0);
  });

  it('a failure after the stream started is an error event then [DONE], and the hold is refunded', async () => {
    gemini.captionNext('Drawing it now.');
    gemini.streamFaultNext('error-before-image');
    const before = await gw.balance(key);
    const res = await post({});
    expect(res.status).toBe(200);
    const all = await new Events(res).rest();
    expect(all.at(-1)).toBe('[DONE]');
    const error = all.at(-2);
    expect(error).toEqual({
      error: expect.objectContaining({ code: 'upstream_error', type: expect.any(String), param: null, message: expect.stringContaining('HTTP 500') }),
    });
    expect(
      all
        .slice(1, -2)
        .map((c) => c.choices[0].delta.content)
        .join(''),
    ).toBe('Drawing it now.');
    // The client had seen text: no retry that would show it a second answer.
    expect(gemini.requestsTo(STREAM_PATH)).toHaveLength(1);
    const after = await gw.balance(key);
    expect(after.available).toBe(before.available);
    expect(after.held).toBe(0);
    const row = await logRow(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ status: 200, error_code: 'upstream_error', amount: 0, images: 0 });
  });

  it('a retryable failure before anything was shown is retried unseen', async () => {
    gemini.streamFaultNext('break-before-image');
    const all = await new Events(await post({})).rest();
    expect(all.at(-2).choices[0].finish_reason).toBe('stop');
    expect(gemini.requestsTo(STREAM_PATH)).toHaveLength(2);
  });

  it('a blocked prompt is a content_policy_violation event; the openai package raises it as an APIError', async () => {
    gemini.blockPromptNext('SAFETY');
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'x' }] });
    const read = async () => {
      for await (const _ of stream) {
        /* until the error event */
      }
    };
    await expect(read()).rejects.toMatchObject({ error: { code: 'content_policy_violation' } });
    expect((await gw.balance(key)).held).toBe(0);
  });

  it('a text-only answer streams as text with finish_reason stop', async () => {
    gemini.textOnlyNext('Four.');
    const all = await new Events(await post({ messages: [{ role: 'user', content: '2+2? digits only' }] })).rest();
    const deltas = all.slice(1, -2).map((c) => c.choices[0].delta);
    expect(deltas.map((d) => d.content).join('')).toBe('Four.');
    expect(deltas.every((d) => d.images === undefined)).toBe(true);
    expect(all.at(-2).choices[0].finish_reason).toBe('stop');
  });

  it('a client that disconnects mid-stream gets its hold refunded', async () => {
    const release = holdImage();
    const before = await gw.balance(key);
    const ac = new AbortController();
    const res = await post({}, { signal: ac.signal });
    const events = new Events(res);
    expect((await events.next()).choices[0].delta.role).toBe('assistant');
    expect((await gw.balance(key)).held).toBeGreaterThan(0);
    ac.abort();
    await expect.poll(async () => (await gw.balance(key)).held, { timeout: 5000 }).toBe(0);
    expect((await gw.balance(key)).available).toBe(before.available);
    release();
  });

  it('Idempotency-Key: a repeat replays the same stream without a second upstream call or charge', async () => {
    const headers = { 'idempotency-key': `stream-${Date.now()}` };
    const first = await post({}, { headers });
    const firstText = await first.text();
    const before = await gw.balance(key);
    const again = await post({}, { headers });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(again.headers.get('x-billing-transaction-id')).toBe(first.headers.get('x-billing-transaction-id'));
    const againText = await again.text();
    expect(againText).toBe(firstText.replaceAll(': keep-alive\n\n', ''));
    expect(againText.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(gemini.requestsTo(STREAM_PATH)).toHaveLength(1);
    expect((await gw.balance(key)).available).toBe(before.available);
    // The same key without stream is another request.
    const other = await postJson(`${gw.url}/v1/chat/completions`, key, { model: MODEL, messages: [{ role: 'user', content: 'draw an orange cat' }] }, headers);
    expect(other.status).toBe(409);
  });

  it('Idempotency-Key: a stream that ended in an upstream failure is not kept, so its retry runs again', async () => {
    const headers = { 'idempotency-key': `stream-failed-${Date.now()}` };
    gemini.captionNext('Drawing it now.');
    gemini.streamFaultNext('error-before-image');
    const failed = await new Events(await post({}, { headers })).rest();
    expect(failed.at(-2)).toEqual({ error: expect.objectContaining({ code: 'upstream_error' }) });
    const again = await post({}, { headers });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const all = await new Events(again).rest();
    expect(all.at(-2).choices[0].finish_reason).toBe('stop');
    expect(gemini.requestsTo(STREAM_PATH)).toHaveLength(2);
  });

  it('Idempotency-Key: a stream refused by the safety system is kept, and its retry replays the refusal without an upstream call', async () => {
    const headers = { 'idempotency-key': `stream-refused-${Date.now()}` };
    gemini.blockPromptNext('SAFETY');
    const first = await post({}, { headers });
    const firstText = await first.text();
    expect(firstText).toContain('content_policy_violation');
    const again = await post({}, { headers });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstText.replaceAll(': keep-alive\n\n', ''));
    expect(gemini.requestsTo(STREAM_PATH)).toHaveLength(1);
  });
});
