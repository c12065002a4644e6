import { describe, expect, it } from 'vitest';
import { encodeTaskResult, readTaskResult, type TaskResult } from '../../src/tasks/result.js';

describe('a stored task result', () => {
  it('reads back what it wrote', () => {
    const r: TaskResult = {
      images: [{ url: 'https://h/a.png', mime: 'image/png', revisedPrompt: 'a cat', size: '16x16' }],
      usage: { inputTextTokens: 3, outputImageTokens: 9 },
      billing: { transactionId: 'txn_1', amount: 40, currency: 'USD' },
      model: 'm',
      route: 'r1',
      failed: 1,
    };
    expect(readTaskResult(encodeTaskResult(r))).toMatchObject(r);
  });

  it('reads the OpenAI reply older versions stored, revised prompts included and without billing or usage', () => {
    const old = { created: 1, data: [{ url: 'https://h/a.png', revised_prompt: 'a cat' }], imagegate: { request_id: 'task_1', model: 'm' }, quality: 'high' };
    expect(readTaskResult(JSON.stringify(old))).toEqual({
      images: [{ url: 'https://h/a.png', mime: null, revisedPrompt: 'a cat' }],
      model: 'm',
      route: null,
      failed: 0,
    });
  });

  it('refuses a result in neither form with an internal error rather than rendering it empty', () => {
    expect(() => readTaskResult('{}')).toThrow(expect.objectContaining({ code: 'internal_error' }));
  });
});
