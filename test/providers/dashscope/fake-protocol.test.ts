/** The fake must refuse what the real DashScope refuses, or adapter tests would pass on wrong requests. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DashScopeFake, startDashScopeFake } from '../../fakes/dashscope.js';
import { imageSize } from '../../fakes/images.js';

let fake: DashScopeFake;
beforeAll(async () => {
  fake = await startDashScopeFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${fake.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const T2I = '/services/aigc/text2image/image-synthesis';
const MESSAGES = '/services/aigc/multimodal-generation/generation';
const ASYNC = { 'X-DashScope-Async': 'enable' };
const ask = (model: string, parameters: Record<string, unknown> = {}) => ({
  model,
  input: { messages: [{ role: 'user', content: [{ text: 'a fox' }] }] },
  parameters,
});

describe('dashscope fake speaks DashScope', () => {
  it('answers 401 InvalidApiKey without the right bearer key', async () => {
    const res = await post(MESSAGES, ask('wan2.6-t2i'), { authorization: 'Bearer sk-nope' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'InvalidApiKey', message: 'Invalid API-key provided.' });
    expect(typeof res.body.request_id).toBe('string');
  });

  it('refuses a task create without X-DashScope-Async with 403 AccessDenied, as the real service does', async () => {
    const res = await post(T2I, { model: 'wan2.5-t2i-preview', input: { prompt: 'a fox' }, parameters: { n: 1 } });
    expect(res).toMatchObject({ status: 403, body: { code: 'AccessDenied', message: 'current user api does not support synchronous calls' } });
  });

  it("makes 4 images when n is absent (DashScope's default)", async () => {
    const res = await post(MESSAGES, ask('wan2.6-t2i'));
    expect((res.body.output as { choices: unknown[] }).choices).toHaveLength(4);
  });

  it.each([
    ['wan2.5-t2i-preview', '1024*1024'],
    ['wan2.6-t2i', '1024x1024'],
    ['qwen-image-plus', '1280*1280'],
    ['wan2.7-image', '4K'],
  ])('refuses size on %s: %s with 400 InvalidParameter', async (model, size) => {
    const res =
      model === 'wan2.5-t2i-preview'
        ? await post(T2I, { model, input: { prompt: 'a fox' }, parameters: { size, n: 1 } }, ASYNC)
        : await post(MESSAGES, ask(model, { size, n: 1 }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('InvalidParameter');
  });

  it('refuses a parameter the model does not define', async () => {
    const res = await post(MESSAGES, ask('wan2.6-t2i', { n: 1, thinking_mode: true }));
    expect([res.status, res.body.code]).toEqual([400, 'InvalidParameter']);
  });

  it('serves result URLs as real PNGs of the generated size', async () => {
    const res = await post(MESSAGES, ask('qwen-image-plus', { n: 1, size: '1664*928' }));
    const url = (res.body.output as { choices: Array<{ message: { content: Array<{ image: string }> } }> }).choices[0]!.message.content[0]!.image;
    const png = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(await imageSize(png)).toMatchObject({ width: 1664, height: 928, format: 'png' });
  });

  it('walks a task PENDING → RUNNING → SUCCEEDED by poll count and answers UNKNOWN for an unknown id', async () => {
    fake.pollsToFinish = 3;
    const created = await post(T2I, { model: 'wan2.5-t2i-preview', input: { prompt: 'a fox' }, parameters: { n: 1 } }, ASYNC);
    const id = (created.body.output as { task_id: string }).task_id;
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const polled = (await (await fetch(`${fake.baseUrl}/tasks/${id}`, { headers: { authorization: `Bearer ${fake.apiKey}` } })).json()) as {
        output: { task_status: string };
      };
      statuses.push(polled.output.task_status);
    }
    expect(statuses).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    const unknown = (await (await fetch(`${fake.baseUrl}/tasks/no-such-task`, { headers: { authorization: `Bearer ${fake.apiKey}` } })).json()) as {
      output: { task_status: string };
    };
    expect(unknown.output.task_status).toBe('UNKNOWN');
  });
});
