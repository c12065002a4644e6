import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDashScopeAdapter } from '../../../src/providers/dashscope/adapter.js';
import { type DashScopeFake, startDashScopeFake } from '../../fakes/dashscope.js';
import { imageSize } from '../../fakes/images.js';
import { catalogFacts } from '../builders.js';
import { callContext, failure, job, reference, routeTo } from './job.js';

let fake: DashScopeFake;
const adapter = createDashScopeAdapter();
const MESSAGES = '/api/v1/services/aigc/multimodal-generation/generation';

beforeAll(async () => {
  fake = await startDashScopeFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const sent = () => fake.requestsTo(MESSAGES)[0]!;

describe('dashscope messages protocol: request', () => {
  it('posts wan2.6-t2i synchronously with size 1696x960 as "1696*960" and every parameter in place', async () => {
    const j = job({ model: 'wan2.6-t2i', n: 2, params: { size: '1696x960', negative_prompt: 'blurry, text', seed: 42, prompt_extend: false } });
    const result = await adapter.generate(j, routeTo(fake, 'wan2.6-t2i'), callContext());
    expect(sent().json).toEqual({
      model: 'wan2.6-t2i',
      input: { messages: [{ role: 'user', content: [{ text: j.prompt }] }] },
      parameters: { size: '1696*960', n: 2, negative_prompt: 'blurry, text', seed: 42, prompt_extend: false, watermark: false },
    });
    expect(sent().headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(sent().headers['x-dashscope-async']).toBeUndefined();
    expect(result.images).toHaveLength(2);
  });

  it("speaks to a dated snapshot as to its model: qwen-image-plus-2026-01-09 takes qwen-image-plus's sizes for aspect_ratio", async () => {
    const route = routeTo(fake, 'qwen-image-plus-2026-01-09', { model: catalogFacts('qwen-image-plus') });
    await adapter.generate(job({ model: 'qwen-image-plus-2026-01-09', params: { aspect_ratio: '16:9' } }), route, callContext());
    expect(sent().json).toMatchObject({ model: 'qwen-image-plus-2026-01-09', parameters: { size: '1664*928' } });
  });

  it('always sends n and watermark, so DashScope does not fall back to its default of 4 images', async () => {
    const result = await adapter.generate(job({ model: 'wan2.6-t2i' }), routeTo(fake, 'wan2.6-t2i'), callContext());
    expect(sent().json).toMatchObject({ parameters: { n: 1, watermark: false } });
    expect(fake.effective).toEqual([{ n: 1, watermark: false }]);
    expect(result.images).toHaveLength(1);
  });

  it('sends watermark false when a dialect left the key present but undefined', async () => {
    await adapter.generate(job({ model: 'wan2.6-t2i', params: { watermark: undefined } }), routeTo(fake, 'wan2.6-t2i'), callContext());
    expect(sent().json).toMatchObject({ parameters: { n: 1, watermark: false } });
  });

  it('passes watermark true when the client asks for it', async () => {
    await adapter.generate(job({ model: 'wan2.6-t2i', params: { watermark: true } }), routeTo(fake, 'wan2.6-t2i'), callContext());
    expect(fake.effective).toEqual([{ n: 1, watermark: true }]);
  });

  it.each([
    ['16:9', '1664*928'],
    ['4:3', '1472*1140'],
    ['1:1', '1328*1328'],
    ['3:4', '1140*1472'],
    ['9:16', '928*1664'],
  ])('maps aspect_ratio %s on qwen-image-plus to size %s', async (ratio, size) => {
    const result = await adapter.generate(job({ model: 'qwen-image-plus', params: { aspect_ratio: ratio } }), routeTo(fake, 'qwen-image-plus'), callContext());
    expect(sent().json).toMatchObject({ parameters: { size } });
    expect(result.images[0]!.size).toBe(size.replace('*', 'x'));
  });

  it('sends resolution 2K on wan2.7-image as the size tier "2K" with thinking_mode', async () => {
    await adapter.generate(job({ model: 'wan2.7-image', params: { resolution: '2K', thinking_mode: true } }), routeTo(fake, 'wan2.7-image'), callContext());
    expect((sent().json as { parameters: unknown }).parameters).toEqual({ size: '2K', n: 1, thinking_mode: true, watermark: false });
  });

  it('sends resolution 4K on wan2.7-image-pro text-to-image', async () => {
    const result = await adapter.generate(job({ model: 'wan2.7-image-pro', params: { resolution: '4K' } }), routeTo(fake, 'wan2.7-image-pro'), callContext());
    expect(sent().json).toMatchObject({ parameters: { size: '4K' } });
    expect(result.images[0]!.size).toBe('4096x4096');
  });

  it('asks wan2.7-image for a series of 6 with enable_sequential and gets 6 images', async () => {
    const result = await adapter.generate(
      job({ model: 'wan2.7-image', n: 6, params: { enable_sequential: true } }),
      routeTo(fake, 'wan2.7-image'),
      callContext(),
    );
    expect(sent().json).toMatchObject({ parameters: { n: 6, enable_sequential: true } });
    expect(result.images).toHaveLength(6);
  });

  it('sends references as image items before the one text item: data URLs for uploads, the client URL when there is one', async () => {
    const upload = await reference('image[0]');
    const linked = await reference('image[1]', { sourceUrl: 'https://cdn.example.com/cat.png' });
    const j = job({ model: 'wan2.6-image', operation: 'edit', images: [upload, linked], prompt: 'put the cat on the sofa' });
    await adapter.generate(j, routeTo(fake, 'wan2.6-image'), callContext());
    const content = (sent().json as { input: { messages: Array<{ content: unknown[] }> } }).input.messages[0]!.content;
    expect(content).toEqual([
      { image: `data:image/png;base64,${upload.bytes.toString('base64')}` },
      { image: 'https://cdn.example.com/cat.png' },
      { text: 'put the cat on the sofa' },
    ]);
  });

  it('sends bbox_list for a wan2.7 edit as given', async () => {
    const bbox = [[[10, 10, 120, 90]]];
    await adapter.generate(
      job({ model: 'wan2.7-image', operation: 'edit', images: [await reference('image')], params: { bbox_list: bbox } }),
      routeTo(fake, 'wan2.7-image'),
      callContext(),
    );
    expect(sent().json).toMatchObject({ parameters: { bbox_list: bbox } });
  });
});

describe('dashscope messages protocol: response', () => {
  it('returns each choice image as a remote payload with the size from usage.size', async () => {
    const result = await adapter.generate(job({ model: 'wan2.6-t2i', n: 2 }), routeTo(fake, 'wan2.6-t2i'), callContext());
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(image.payload.kind).toBe('remote');
      expect(image.size).toBe('1280x1280');
    }
    expect(result.failedCount).toBe(0);
    expect(result.meta).toEqual({ size: '1280x1280' });
    expect(result.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
    const url = (result.images[0]!.payload as { url: string }).url;
    const png = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(await imageSize(png)).toMatchObject({ width: 1280, height: 1280, format: 'png' });
  });

  it('reports no usage when DashScope counts zero tokens', async () => {
    const result = await adapter.generate(job({ model: 'wan2.6-t2i' }), routeTo(fake, 'wan2.6-t2i'), callContext());
    expect(result.usage).toBeUndefined();
  });

  it('maps reported token counts onto usage', async () => {
    fake.reportTokens(120, 2400);
    const result = await adapter.generate(job({ model: 'wan2.7-image' }), routeTo(fake, 'wan2.7-image'), callContext());
    expect(result.usage).toEqual({ inputTextTokens: 120, outputImageTokens: 2400, totalTokens: 2520 });
  });

  it('maps a reply with text and no image to 400 no_image_generated, not retryable', async () => {
    fake.textOnlyNext();
    const e = await failure(adapter.generate(job({ model: 'wan2.6-t2i' }), routeTo(fake, 'wan2.6-t2i'), callContext()));
    expect([e.code, e.status, e.retryable]).toEqual(['no_image_generated', 400, false]);
    expect(e.message).toContain('I can only describe this scene in words.');
    expect(e.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
