/**
 * The Gemini adapter reading `streamGenerateContent?alt=sse` (when the call context asks for pieces), over
 * real HTTP against the fake: pieces in arrival order, the same result as generateContent, Google's stream
 * faults mapped, and n calls never interleaved.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../src/bytes/base64.js';
import type { ImageResult, ResultDelta } from '../../../src/domain/job.js';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { type GeminiFake, startGeminiFake } from '../../fakes/gemini.js';
import { imageSize } from '../../fakes/images.js';
import { callContext, failure, job, routeTo } from './job.js';

let fake: GeminiFake;
const adapter = createGeminiAdapter();
const MODEL = 'gemini-3-pro-image-preview';

/** Runs a streamed job; `deltas` fills as pieces arrive, `result` is the adapter's answer. */
function streamed(over: Parameters<typeof job>[0] = {}) {
  const deltas: ResultDelta[] = [];
  const result: Promise<ImageResult> = adapter.generate(job({ model: MODEL, ...over }), routeTo(`${fake.url}/v1beta`, MODEL), {
    ...callContext(),
    onDelta: (d) => deltas.push(d),
  });
  return { deltas, result };
}

const describeDelta = (d: ResultDelta) => (d.kind === 'text' ? `text:${d.text}` : 'image');

beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('gemini adapter: streamGenerateContent', () => {
  it('calls streamGenerateContent with alt=sse, not generateContent', async () => {
    await streamed().result;
    expect(fake.requests.map((r) => `${r.path}?${r.query.toString()}`)).toEqual([`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`]);
  });

  it('reports the text pieces as they arrive, then the image, and resolves with the whole result', async () => {
    fake.captionNext('Here is your orange cat.');
    let release!: () => void;
    fake.stream.gate = new Promise<void>((r) => (release = r));
    const run = streamed({ params: { aspect_ratio: '1:1' } });
    // The upstream is held before its image: the text must already be here.
    await expect.poll(() => run.deltas.map(describeDelta)).toEqual(['text:Here is your ', 'text:orange cat.']);
    release();
    const result = await run.result;
    expect(run.deltas.map(describeDelta)).toEqual(['text:Here is your ', 'text:orange cat.', 'image']);
    // The image reported is the very image of the result, and it is the real PNG Gemini sent.
    const shown = run.deltas[2] as Extract<ResultDelta, { kind: 'image' }>;
    expect(result.images).toEqual([shown.image]);
    const payload = shown.image.payload;
    if (payload.kind !== 'b64') throw new Error('expected base64');
    expect(await imageSize(decodeBase64(payload.b64))).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(result.text).toBe('Here is your orange cat.');
    // The last event's usageMetadata is the total (1120 image tokens at 1K, caption 24 chars → 6).
    expect(result.usage).toMatchObject({ outputImageTokens: 1120, outputTextTokens: 6 });
  });

  it('skips thought parts in the stream, as in whole replies', async () => {
    fake.thoughtPartsNext = 1;
    const run = streamed();
    const result = await run.result;
    expect(run.deltas.map(describeDelta)).toEqual(['image']);
    expect(result.images).toHaveLength(1);
    expect(result.usage?.outputTextTokens).toBe(180);
  });

  it('a text-only answer streams as text and is a reply when the client takes text', async () => {
    fake.textOnlyNext('Four, and nothing else.');
    const run = streamed({ acceptTextOnly: true });
    const result = await run.result;
    expect(run.deltas.length).toBeGreaterThan(1);
    expect(run.deltas.map((d) => (d.kind === 'text' ? d.text : '<image>')).join('')).toBe('Four, and nothing else.');
    expect(result.images).toHaveLength(0);
    expect(result.text).toBe('Four, and nothing else.');
  });

  it('a blocked prompt is content_policy_violation', async () => {
    fake.blockPromptNext('PROHIBITED_CONTENT');
    const err = await failure(streamed().result);
    expect(err.code).toBe('content_policy_violation');
  });

  it('a finishReason without an image is the same error as on generateContent', async () => {
    fake.finishReasonNext('IMAGE_SAFETY');
    const err = await failure(streamed().result);
    expect(err.code).toBe('content_policy_violation');
    expect(err.message).toContain('IMAGE_SAFETY');
  });

  it('an HTTP error before the stream is mapped like a generateContent error', async () => {
    fake.errorNext(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
    const err = await failure(streamed().result);
    expect([err.code, err.retryable]).toEqual(['rate_limit_exceeded', true]);
  });

  it('an error event in the stream is mapped by its code (500 INTERNAL → retryable upstream_error)', async () => {
    fake.captionNext('Drawing it now.');
    fake.streamFaultNext('error-before-image');
    const run = streamed();
    const err = await failure(run.result);
    expect([err.code, err.retryable]).toEqual(['upstream_error', true]);
    // The text before the failure had already been reported; the adapter's caller decides what that means.
    expect(run.deltas.map((d) => (d.kind === 'text' ? d.text : '<image>')).join('')).toBe('Drawing it now.');
  });

  it('a connection dropped before the image is a retryable upstream_error', async () => {
    fake.streamFaultNext('break-before-image');
    const err = await failure(streamed().result);
    expect([err.code, err.retryable]).toEqual(['upstream_error', true]);
  });

  it('a connection dropped right after the image keeps the image, without the cut-off usage', async () => {
    fake.streamFaultNext('break-after-image');
    const result = await streamed().result;
    expect(result.images).toHaveLength(1);
    expect(result.usage).toBeUndefined();
  });

  it("n calls stream in order: the second call's pieces wait until the first has finished", async () => {
    fake.captionNext('First cat.');
    fake.captionNext('Second cat.');
    fake.stream.delayMs = 5;
    const run = streamed({ n: 2 });
    const result = await run.result;
    const seen = run.deltas.map(describeDelta);
    // Which call got which caption depends on arrival order; what matters is that no call is interleaved.
    expect([
      ['text:First ', 'text:cat.', 'image', 'text:Second ', 'text:cat.', 'image'],
      ['text:Second ', 'text:cat.', 'image', 'text:First ', 'text:cat.', 'image'],
    ]).toContainEqual(seen);
    expect(result.images).toHaveLength(2);
  });
});
