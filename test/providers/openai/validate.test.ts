import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageJob } from '../../../src/domain/job.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { type OpenAIFake, startOpenAIFake } from '../../fakes/openai.js';
import { catalogFacts } from '../builders.js';
import { callContext, inputImage, job, routeTo, failure, thrown } from './job.js';

const adapter = createOpenAIAdapter();
/** A route to `upstreamModel` serving the catalog model the job names, with that model's facts. */
const route = (j: ImageJob, upstreamModel: string) => routeTo('http://127.0.0.1:9', upstreamModel, { model: catalogFacts(j.model) });
const refusal = (over: Partial<ImageJob>, model = 'gpt-image-1') => {
  const j = job({ model, ...over });
  const e = thrown(() => adapter.validate!(j, route(j, model)));
  return { status: e.status, code: e.code, param: e.param, message: e.message };
};
const passes = (over: Partial<ImageJob>, model = 'gpt-image-1') => {
  const j = job({ model, ...over });
  expect(() => adapter.validate!(j, route(j, model))).not.toThrow();
};

describe('openai validate: what the upstream model cannot honour is a 400 naming the field', () => {
  it('refuses a transparent background with jpeg output, naming background', () => {
    const e = refusal({ params: { background: 'transparent', output_format: 'jpeg' } });
    expect([e.status, e.code, e.param]).toEqual([400, 'invalid_request', 'background']);
    expect(e.message).toContain('"png", "webp"');
    passes({ params: { background: 'transparent', output_format: 'webp' } });
    passes({ params: { background: 'transparent' } });
  });

  it('refuses output_compression with png output, naming output_compression', () => {
    expect(refusal({ params: { output_compression: 50 } }).param).toBe('output_compression');
    expect(refusal({ params: { output_compression: 50, output_format: 'png' } }).message).toContain('Set output_format to jpeg or webp');
    passes({ params: { output_compression: 50, output_format: 'jpeg' } });
  });

  it('refuses size 1792x1024 on gpt-image-1 and lists the sizes it takes', () => {
    const e = refusal({ params: { size: '1792x1024' } });
    expect(e.param).toBe('size');
    expect(e.message).toContain('"auto", "1024x1024", "1536x1024", "1024x1536"');
  });

  it('takes free-form gpt-image-2 sizes that fit its rule and says which rule a size breaks', () => {
    passes({ params: { size: '3840x2160' } }, 'gpt-image-2');
    passes({ params: { size: '1024x3072' } }, 'gpt-image-2');
    expect(refusal({ params: { size: '1000x1000' } }, 'gpt-image-2').message).toContain('multiples of 16');
    expect(refusal({ params: { size: '3840x1024' } }, 'gpt-image-2').message).toContain('at most 3 times');
    expect(refusal({ params: { size: '3840x3840' } }, 'gpt-image-2').message).toContain('pixels');
  });

  it('refuses n 2 on dall-e-3, naming n', () => {
    const e = refusal({ n: 2, params: { size: '1024x1024' } }, 'dall-e-3');
    expect([e.param, e.message]).toEqual(['n', 'Model "dall-e-3" (OpenAI dall-e-3) makes at most 1 image per request; lower n.']);
  });

  it('refuses quality hd on gpt-image-1 and quality high on dall-e-3, listing the qualities each takes', () => {
    expect(refusal({ params: { quality: 'hd' } }).message).toContain('"auto", "low", "medium", "high"');
    expect(refusal({ params: { quality: 'high' } }, 'dall-e-3').message).toContain('"standard", "hd"');
  });

  it('refuses fields a model family does not take: style on gpt-image-1, moderation and output_format on dall-e-3', () => {
    expect(refusal({ params: { style: 'vivid' } }).param).toBe('style');
    expect(refusal({ params: { moderation: 'low' } }, 'dall-e-3').param).toBe('moderation');
    expect(refusal({ params: { output_format: 'webp' } }, 'dall-e-3').param).toBe('output_format');
  });

  it('refuses input_fidelity on gpt-image-1-mini and on text-to-image', async () => {
    const edit = { operation: 'edit' as const, images: [await inputImage('image', 64, 64)], params: { input_fidelity: 'high' } };
    expect(refusal(edit, 'gpt-image-1-mini').param).toBe('input_fidelity');
    passes(edit, 'gpt-image-1');
    expect(refusal({ params: { input_fidelity: 'high' } }).message).toContain('/images/edits');
  });

  it('takes moderation on GPT image edits, as the spec documents it on JSON edits, and refuses it on variations', async () => {
    passes({ operation: 'edit', images: [await inputImage('image', 64, 64)], params: { moderation: 'low' } });
    const e = refusal({ operation: 'variation', prompt: '', images: [await inputImage('image', 64, 64)], params: { moderation: 'low' } }, 'dall-e-2');
    expect(e.param).toBe('moderation');
  });

  it('refuses parameters OpenAI has no field for: seed, negative_prompt, resolution', () => {
    expect(refusal({ params: { seed: 7 } }).param).toBe('seed');
    expect(refusal({ params: { negative_prompt: 'blur' } }).param).toBe('negative_prompt');
    expect(refusal({ params: { resolution: '2K' } }).message).toContain('choose the output with size');
  });

  it('refuses an aspect_ratio with no matching size, and one that disagrees with size', () => {
    expect(refusal({ params: { aspect_ratio: '16:9' } }).message).toContain('1:1 (1024x1024), 3:2 (1536x1024), 2:3 (1024x1536)');
    const e = refusal({ params: { size: '1024x1024', aspect_ratio: '3:2' } });
    expect([e.param, e.message]).toEqual([
      'aspect_ratio',
      'aspect_ratio "3:2" means size 1536x1024, but size is "1024x1024". Send only one of them, or make them agree.',
    ]);
    passes({ params: { size: '1536x1024', aspect_ratio: '3:2' } });
  });

  it('refuses operations the model lacks, naming model: a variation on gpt-image-1, an edit on dall-e-3', async () => {
    const image = await inputImage('image', 64, 64);
    expect(refusal({ operation: 'variation', images: [image] }).message).toBe(
      'Model "gpt-image-1" (OpenAI gpt-image-1) does not support variation; it supports text-to-image, image-to-image, edit.',
    );
    expect(refusal({ operation: 'edit', images: [image] }, 'dall-e-3').param).toBe('model');
  });

  it('refuses more edit images than the model takes, naming the first one too many', async () => {
    const images = await Promise.all(Array.from({ length: 17 }, (_, i) => inputImage(`image[${i}]`, 64, 64)));
    expect(refusal({ operation: 'edit', images }).param).toBe('image[16]');
    passes({ operation: 'edit', images: images.slice(0, 16) });
    expect(refusal({ operation: 'edit', images: images.slice(0, 2) }, 'dall-e-2').param).toBe('image[1]');
  });

  it('refuses an edit without an image and a mask on a variation', async () => {
    expect(refusal({ operation: 'edit' }).param).toBe('image');
    const image = await inputImage('image', 64, 64);
    const mask = await inputImage('mask', 64, 64, { alpha: true });
    expect(refusal({ operation: 'variation', images: [image], mask }, 'dall-e-2').param).toBe('mask');
  });

  it("lets an unknown upstream model's values through but still refuses fields OpenAI has none of", () => {
    passes({ params: { quality: 'ultra', size: '4096x4096' } }, 'gpt-image-9');
    expect(refusal({ params: { seed: 1 } }, 'gpt-image-9').param).toBe('seed');
  });

  it('treats a dated snapshot name like its model', () => {
    expect(refusal({ model: 'gpt-image-1', params: { size: '1792x1024' } }, 'gpt-image-1-2025-04-15').param).toBe('size');
  });
});

describe('openai generate: refuses before any upstream call', () => {
  let fake: OpenAIFake;
  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(async () => fake.close());

  it('throws the validate error without calling OpenAI', async () => {
    const e = await failure(adapter.generate(job({ params: { style: 'vivid' } }), routeTo(fake.url), callContext()));
    expect([e.status, e.param]).toEqual([400, 'style']);
    expect(fake.requests).toHaveLength(0);
  });
});
