import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageJob } from '../../../src/domain/job.js';
import { createArkAdapter } from '../../../src/providers/ark/adapter.js';
import type { Route } from '../../../src/domain/adapter.js';
import { type ArkFake, startArkFake } from '../../fakes/ark.js';
import { catalogFacts } from '../builders.js';
import { callContext, failure, job, reference, routeTo, SEEDREAM_45 } from './job.js';

let fake: ArkFake;
const adapter = createArkAdapter();
const validate = (j: ImageJob, r: Route = routeTo(fake)) => failure(() => adapter.validate!(j, r));
const seedream45 = (over: Partial<ImageJob>) => job({ model: SEEDREAM_45, ...over });
const route45 = () => routeTo(fake, { upstreamModel: SEEDREAM_45 });

beforeAll(async () => {
  fake = await startArkFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('ark validate: what Seedream cannot honour is a 400 naming the field', () => {
  it('rejects on seedream 4.5 a size below 3686400 pixels, naming size and the rule', async () => {
    const e = await validate(seedream45({ params: { size: '1024x1024' } }), route45());
    expect([e.status, e.code, e.param]).toEqual([400, 'invalid_request', 'size']);
    expect(e.message).toContain('at least 3686400 pixels');
  });

  it('rejects on seedream 4.0 a size below 921600 pixels', async () => {
    const e = await validate(job({ params: { size: '900x900' } }));
    expect([e.param, e.message]).toEqual(['size', expect.stringContaining('at least 921600 pixels')]);
  });

  it('rejects a size whose long side is more than 16 times the short one', async () => {
    const e = await validate(job({ params: { size: '8000x400' } }));
    expect(e.param).toBe('size');
    expect(e.message).toContain('16 times');
  });

  it('rejects a size above 16777216 pixels', async () => {
    const e = await validate(job({ params: { size: '4097x4096' } }));
    expect([e.param, e.message]).toEqual(['size', expect.stringContaining('at most 16777216 pixels')]);
  });

  it('rejects resolution 1K on seedream 4.5, listing 2K and 4K', async () => {
    const e = await validate(seedream45({ params: { resolution: '1K' } }), route45());
    expect([e.status, e.param]).toEqual([400, 'resolution']);
    expect(e.message).toContain('"2K", "4K"');
  });

  it('rejects aspect_ratio 1:1 at 1K on seedream 4.5 because 1024x1024 is below its pixel minimum', async () => {
    const e = await validate(seedream45({ params: { aspect_ratio: '1:1', resolution: '1K' } }), route45());
    expect(e.param).toBe('resolution');
    expect(e.message).toContain('1024x1024');
    expect(e.message).toContain('use resolution "2K", "4K"');
  });

  it('rejects an aspect ratio outside the recommended table, listing the accepted ones', async () => {
    const e = await validate(job({ params: { aspect_ratio: '5:4' } }));
    expect(e.param).toBe('aspect_ratio');
    expect(e.message).toContain('"1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "21:9"');
  });

  it('rejects an aspect ratio that only exists on the object prototype', async () => {
    expect((await validate(job({ params: { aspect_ratio: 'constructor' } }))).param).toBe('aspect_ratio');
  });

  it('rejects size together with aspect_ratio, naming aspect_ratio', async () => {
    const e = await validate(job({ params: { size: '2048x2048', aspect_ratio: '1:1' } }));
    expect(e.param).toBe('aspect_ratio');
  });

  it('rejects size together with resolution, naming resolution', async () => {
    expect((await validate(job({ params: { size: '2048x2048', resolution: '2K' } }))).param).toBe('resolution');
  });

  it('rejects seed, which Seedream 4.x does not take, as an unsupported field', async () => {
    const e = await validate(job({ params: { seed: 42 } }));
    expect([e.status, e.param, e.toBody().error.code]).toEqual([400, 'seed', 'invalid_request']);
  });

  it('rejects a watermark that is not a boolean', async () => {
    // Typed boolean in ImageParams; an operator overlay could still loosen the contract to let a string through.
    const e = await validate(job({ params: { watermark: 'yes' as unknown as boolean } }));
    expect([e.param, e.message]).toEqual(['watermark', expect.stringContaining('true or false')]);
  });

  it('rejects optimize_prompt_options with an unknown mode, saying what is accepted', async () => {
    const e = await validate(job({ params: { optimize_prompt_options: { mode: 'turbo' } } }));
    expect(e.param).toBe('optimize_prompt_options');
    expect(e.message).toContain('"standard" | "fast"');
  });

  it('rejects sequential options without sequential generation "auto"', async () => {
    const e = await validate(job({ n: 2, params: { sequential_image_generation_options: { max_images: 2 } } }));
    expect(e.param).toBe('sequential_image_generation_options');
  });

  it('rejects max_images above n, which would deliver images that were not quoted', async () => {
    const e = await validate(job({ n: 2, params: { sequential_image_generation: 'auto', sequential_image_generation_options: { max_images: 5 } } }));
    expect(e.param).toBe('sequential_image_generation_options.max_images');
    expect(e.message).toContain('set n');
  });

  it('rejects max_images above 15', async () => {
    const e = await validate(job({ n: 15, params: { sequential_image_generation: 'auto', sequential_image_generation_options: { max_images: 16 } } }));
    expect(e.param).toBe('sequential_image_generation_options');
  });

  it('rejects sequential generation when references plus n exceed 15, naming n', async () => {
    const refs = await Promise.all([0, 1, 2, 3].map((i) => reference(`image_urls[${i}]`)));
    const e = await validate(job({ operation: 'image-to-image', images: refs, n: 12, params: { sequential_image_generation: 'auto' } }));
    expect(e.param).toBe('n');
    expect(e.message).toContain('at most 11 images');
  });

  it('rejects more than 14 references, naming the client list field', async () => {
    const refs = await Promise.all(Array.from({ length: 15 }, (_, i) => reference(`image_urls[${i}]`)));
    const e = await validate(job({ operation: 'image-to-image', images: refs }));
    expect([e.param, e.message]).toEqual(['image_urls', expect.stringContaining('at most 14')]);
  });

  it('rejects a reference over 10 MB, naming that reference', async () => {
    const small = await reference('image[0]');
    const big = { ...(await reference('image[1]')), bytes: Buffer.alloc(10 * 1024 * 1024 + 1) };
    const e = await validate(job({ operation: 'edit', images: [small, big] }));
    expect(e.param).toBe('image[1]');
  });

  it('rejects a mask, which Seedream edits do not take', async () => {
    const img = await reference('image');
    expect((await validate(job({ operation: 'edit', images: [img], mask: img }))).param).toBe('mask');
  });

  it('rejects variations', async () => {
    const img = await reference('image');
    expect((await validate(job({ operation: 'variation', images: [img] }))).param).toBe('model');
  });

  it('applies the 4.5 rules to an endpoint-id route of a model whose catalog entry states them', async () => {
    const r = routeTo(fake, { upstreamModel: 'ep-20250101-abcde', model: catalogFacts(SEEDREAM_45) });
    expect(() => adapter.validate!(job({ model: 'house-seedream', params: { size: '2560x1440' } }), r)).not.toThrow();
    expect((await validate(job({ model: 'house-seedream', params: { size: '1280x720' } }), r)).param).toBe('size');
  });

  it('takes the rules of an endpoint-id route from the catalog model it serves', async () => {
    const r = routeTo(fake, { upstreamModel: 'ep-20250101-abcde', model: catalogFacts(SEEDREAM_45) });
    expect((await validate(seedream45({ params: { size: '1280x720' } }), r)).message).toContain('3686400');
  });

  it('generate refuses the same jobs without calling Ark', async () => {
    const e = await failure(adapter.generate(seedream45({ params: { size: '1024x1024' } }), route45(), callContext()));
    expect(e.param).toBe('size');
    expect(fake.requests).toHaveLength(0);
  });
});
