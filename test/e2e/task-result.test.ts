/**
 * A task keeps its result as a dialect-neutral record (images, usage, billing, model, route) and the task
 * routes render it: GET /v1/tasks/{id} answers the same task object whichever of the two stored forms a row
 * holds (rows written by older versions keep the OpenAI reply they rendered then).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { openaiImageModel, overlayOf } from '../support/overlays.js';
import { pollValue } from '../support/wait.js';

const PRICE = 1000;
const OVERLAY = overlayOf(openaiImageModel('paid-image', PRICE, { maxN: 3 }));

describe.each(databases())('a task result on $name', ({ make }) => {
  let fake: OpenAIFake;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const db = await make();
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });

  const getTask = async (key: string, id: string) => {
    const res = await fetch(`${gw.url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, text: await res.text() };
  };
  const storedResult = async (id: string) =>
    (await gw.gateway.db.kysely.selectFrom('tasks').select('result').where('id', '=', id).executeTakeFirstOrThrow()).result;

  /** A finished task: its id, the row's stored result and the GET body. */
  async function finishedTask(key: string): Promise<{ id: string; body: Record<string, any>; text: string }> {
    fake.fewerNext = 1;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'paid-image', prompt: 'p', n: 3 }, { prefer: 'respond-async' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.id as string;
    const done = await pollValue(
      () => getTask(key, id),
      (t) => (JSON.parse(t.text) as { status: string }).status === 'succeeded',
    );
    return { id, body: JSON.parse(done.text) as Record<string, any>, text: done.text };
  }

  it('renders a succeeded task with its images, usage, billing and partial count in the OpenAI task object', async () => {
    const { key } = await gw.clientKey({ balance: 100 * PRICE });
    const { id, body, text } = await finishedTask(key);
    expect(Object.keys(body)).toEqual([
      'id',
      'task_id',
      'object',
      'status',
      'model',
      'created',
      'started_at',
      'finished_at',
      'progress',
      'poll_url',
      'data',
      'usage',
      'billing_transaction_id',
      'imagegate',
    ]);
    expect(body.data).toHaveLength(2);
    for (const item of body.data) expect(Object.keys(item)).toEqual(['url', 'size']);
    expect(body.data[0].size).toBe('1024x1024');
    // What the fake OpenAI reports: the prompt "p" as 7 text tokens, two medium 1024x1024 images at 1056 each.
    expect(body.usage).toEqual({
      input_tokens: 7,
      input_tokens_details: { text_tokens: 7, image_tokens: 0 },
      output_tokens: 2112,
      output_tokens_details: { text_tokens: 0, image_tokens: 2112 },
      total_tokens: 2119,
    });
    expect(body.billing_transaction_id).toMatch(/^txn_/);
    expect(body.imagegate).toEqual({
      request_id: id,
      model: 'paid-image',
      billing: { billing_transaction_id: body.billing_transaction_id, amount: 2 * PRICE, currency: expect.any(String), unit: 'micro' },
      failed: 1,
    });
    expect(text).toContain(
      `"imagegate":{"request_id":"${id}","model":"paid-image","billing":{"billing_transaction_id":"${body.billing_transaction_id}","amount":${2 * PRICE},`,
    );
  });

  it('answers a row that holds the OpenAI reply an older version stored with the same task object', async () => {
    const { key } = await gw.clientKey({ balance: 100 * PRICE });
    const { id, text } = await finishedTask(key);
    const body = JSON.parse(text) as Record<string, any>;
    // What older versions wrote: the OpenAI images reply, with its envelope fields, as the task's result.
    const legacy = {
      created: body.created,
      data: body.data,
      imagegate: body.imagegate,
      background: 'opaque',
      output_format: 'png',
      quality: 'medium',
      size: '1024x1024',
      usage: body.usage,
    };
    await gw.gateway.db.kysely
      .updateTable('tasks')
      .set({ result: JSON.stringify(legacy) })
      .where('id', '=', id)
      .execute();
    expect((await getTask(key, id)).text).toBe(text);
  });

  it('stores the result without the OpenAI reply shape: no b64_json/data/imagegate envelope in the row', async () => {
    const { key } = await gw.clientKey({ balance: 100 * PRICE });
    const { id } = await finishedTask(key);
    const stored = JSON.parse((await storedResult(id))!) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['billing', 'failed', 'images', 'model', 'route', 'usage', 'v']);
    expect(stored.route).toEqual(expect.any(String));
    expect((stored.images as Array<Record<string, unknown>>)[0]).toMatchObject({ url: expect.any(String), mime: 'image/png', size: '1024x1024' });
    expect(stored.usage).toEqual({ inputTextTokens: 7, inputImageTokens: 0, outputImageTokens: 2112, outputTextTokens: 0, totalTokens: 2119 });
  });
});
