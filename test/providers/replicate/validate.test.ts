/** What the Replicate adapter refuses before any money is held (validate), and the route settings it refuses at start (checkRoute). */
import { describe, expect, it } from 'vitest';
import { createReplicateAdapter } from '../../../src/providers/replicate/adapter.js';
import { inputImage, job, offlineRoute, SCHNELL, thrown } from './job.js';

const adapter = createReplicateAdapter();
const PRO = 'black-forest-labs/flux-1.1-pro';

describe('replicate: validate', () => {
  it('passes a job every field of which the model takes', () => {
    expect(() =>
      adapter.validate!(job({ n: 4, params: { aspect_ratio: '21:9', output_format: 'png', megapixels: '0.25' } }), offlineRoute(SCHNELL)),
    ).not.toThrow();
  });

  it('refuses a parameter the model does not take, naming it', () => {
    expect(thrown(() => adapter.validate!(job({ params: { style: 'any' } }), offlineRoute(SCHNELL))).param).toBe('style');
  });

  it('refuses a size on a model that takes aspect_ratio only', () => {
    expect(thrown(() => adapter.validate!(job({ params: { size: '1024x1024' } }), offlineRoute(SCHNELL))).param).toBe('size');
  });

  it('refuses n above 1 on a model that makes one image per prediction', () => {
    expect(thrown(() => adapter.validate!(job({ model: PRO, n: 2 }), offlineRoute(PRO))).param).toBe('n');
  });

  it('refuses a mask, and an image on a text-to-image-only model, naming the field it came in', async () => {
    const image = await inputImage('image', 64, 64);
    const mask = await inputImage('mask', 64, 64);
    const edit = job({ model: 'black-forest-labs/flux-kontext-pro', operation: 'edit', images: [image], mask });
    expect(thrown(() => adapter.validate!(edit, offlineRoute('black-forest-labs/flux-kontext-pro'))).param).toBe('mask');
    const i2i = job({ model: 'recraft-ai/recraft-v3', operation: 'image-to-image', images: [await inputImage('image_url', 64, 64)] });
    expect(thrown(() => adapter.validate!(i2i, offlineRoute('recraft-ai/recraft-v3'))).param).toBe('image_url');
  });
});

describe('replicate: checkRoute', () => {
  it('accepts an official model, and a pinned version with a wait of 0 to 60 seconds', () => {
    expect(adapter.checkRoute!(offlineRoute(SCHNELL))).toBeUndefined();
    expect(adapter.checkRoute!(offlineRoute(SCHNELL, { version: 'f'.repeat(64), wait: 0, cancel_after: '1h30m' }))).toBeUndefined();
    expect(adapter.checkRoute!(offlineRoute('my-model', { version: `acme/painter:${'0'.repeat(64)}`, wait: 60 }))).toBeUndefined();
  });

  it('refuses a version that is no version id, a wait beyond 60 s, a cancel_after that is no duration, and an upstream model that is no owner/name', () => {
    expect(adapter.checkRoute!(offlineRoute(SCHNELL, { version: 'latest' }))).toContain('option version');
    expect(adapter.checkRoute!(offlineRoute(SCHNELL, { wait: 61 }))).toContain('option wait');
    expect(adapter.checkRoute!(offlineRoute(SCHNELL, { cancel_after: '10 minutes' }))).toContain('option cancel_after');
    expect(adapter.checkRoute!(offlineRoute('flux-schnell'))).toContain('owner/name');
  });
});
