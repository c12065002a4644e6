import { describe, expect, it } from 'vitest';
import type { ImageJob } from '../../../src/domain/job.js';
import { createDashScopeAdapter } from '../../../src/providers/dashscope/adapter.js';
import { failure, job, offlineRoute, reference } from './job.js';

const adapter = createDashScopeAdapter();
const check =
  (model: string, over: Partial<ImageJob> = {}, options: Record<string, string> = {}) =>
  () =>
    adapter.validate!(job({ model, ...over }), offlineRoute(model, options));

describe('dashscope validate: sizes', () => {
  it('accepts sizes inside the wan2.5 pixel rule and its documented sizes', () => {
    for (const size of ['1280x1280', '1440x1440', '2560x640', '1104x1472', '960x1696', 'auto']) {
      expect(check('wan2.5-t2i-preview', { params: { size } })).not.toThrow();
    }
  });

  it('rejects 1024x1024 on wan2.5-t2i-preview, naming size and the pixel rule', async () => {
    const e = await failure(check('wan2.5-t2i-preview', { params: { size: '1024x1024' } }));
    expect([e.code, e.status, e.param]).toEqual(['invalid_request', 400, 'size']);
    expect(e.message).toContain('at least 1638400 pixels');
    expect(e.message).toContain('"1280x1280"');
  });

  it('rejects a wan2.5 size longer than 4:1', async () => {
    const e = await failure(check('wan2.5-t2i-preview', { params: { size: '2880x700' } }));
    expect(e.param).toBe('size');
    expect(e.message).toContain('4 times the short side');
  });

  it('rejects a qwen-image-plus size outside its five, listing them', async () => {
    const e = await failure(check('qwen-image-plus', { params: { size: '1024x1024' } }));
    expect(e.param).toBe('size');
    expect(e.message).toContain('"1664x928", "1472x1140", "1328x1328", "1140x1472", "928x1664"');
  });

  it('rejects a size on wan2.7-image and points to resolution', async () => {
    const e = await failure(check('wan2.7-image', { params: { size: '1024x1024' } }));
    expect(e.param).toBe('size');
    expect(e.message).toContain('resolution ("1K", "2K")');
  });

  it('rejects an aspect ratio the model has no size for, listing the ones it has', async () => {
    const e = await failure(check('qwen-image-plus', { params: { aspect_ratio: '21:9' } }));
    expect([e.code, e.param]).toEqual(['invalid_request', 'aspect_ratio']);
    expect(e.message).toContain('"16:9", "4:3", "1:1", "3:4", "9:16"');
  });

  it('rejects aspect_ratio on wan2.7-image-pro text-to-image and offers its resolutions', async () => {
    const e = await failure(check('wan2.7-image-pro', { params: { aspect_ratio: '16:9' } }));
    expect(e.param).toBe('aspect_ratio');
    expect(e.message).toContain('resolution ("1K", "2K", "4K")');
  });

  it('accepts resolution 4K on wan2.7-image-pro text-to-image but not on an edit', async () => {
    expect(check('wan2.7-image-pro', { params: { resolution: '4K' } })).not.toThrow();
    const e = await failure(check('wan2.7-image-pro', { operation: 'edit', images: [await reference('image')], params: { resolution: '4K' } }));
    expect(e.param).toBe('resolution');
    expect(e.message).toContain('"1K", "2K" for edit');
  });

  it('rejects resolution on a model that takes W*H sizes', async () => {
    const e = await failure(check('wan2.6-t2i', { params: { resolution: '2K' } }));
    expect(e.param).toBe('resolution');
    expect(e.message).toContain('aspect_ratio');
  });

  it('rejects size together with resolution', async () => {
    const e = await failure(check('wan2.7-image', { params: { size: '1024x1024', resolution: '1K' } }));
    expect(e.param).toBe('size');
  });

  it('accepts size with the aspect ratio it matches and rejects one it contradicts', async () => {
    expect(check('wan2.6-t2i', { params: { size: '1696x960', aspect_ratio: '16:9' } })).not.toThrow();
    const e = await failure(check('wan2.6-t2i', { params: { size: '1280x1280', aspect_ratio: '16:9' } }));
    expect(e.param).toBe('size');
    expect(e.message).toContain('1696x960');
  });
});

describe('dashscope validate: counts and fields', () => {
  it('rejects n 5 on wan2.7-image without enable_sequential, naming n and the way to get more', async () => {
    const e = await failure(check('wan2.7-image', { n: 5 }));
    expect(e.param).toBe('n');
    expect(e.message).toContain('enable_sequential');
  });

  it('accepts n up to 12 on wan2.7-image with enable_sequential, not 13', async () => {
    expect(check('wan2.7-image', { n: 12, params: { enable_sequential: true } })).not.toThrow();
    const e = await failure(check('wan2.7-image', { n: 13, params: { enable_sequential: true } }));
    expect(e.param).toBe('n');
  });

  it('rejects n 5 on a task model', async () => {
    const e = await failure(check('wan2.5-t2i-preview', { n: 5 }));
    expect(e.message).toContain('at most 4');
  });

  it('rejects a mask, naming the mask field', async () => {
    const mask = await reference('mask');
    const e = await failure(check('wan2.6-image', { operation: 'edit', images: [await reference('image')], mask }));
    expect([e.code, e.param]).toEqual(['invalid_request', 'mask']);
  });

  it('rejects thinking_mode on wan2.6-image, which does not define it', async () => {
    const e = await failure(check('wan2.6-image', { operation: 'edit', images: [await reference('image')], params: { thinking_mode: true } }));
    expect(e.param).toBe('thinking_mode');
  });

  it('rejects a public field DashScope has no equivalent for', async () => {
    const e = await failure(check('wan2.6-t2i', { params: { quality: 'hd' } }));
    expect(e.param).toBe('quality');
  });

  it('rejects bbox_list without input images', async () => {
    const e = await failure(check('wan2.7-image', { params: { bbox_list: [[[0, 0, 10, 10]]] } }));
    expect(e.param).toBe('bbox_list');
  });

  it('reports a route with an unknown protocol option as a gateway configuration error', async () => {
    const e = await failure(check('wan2.6-t2i', {}, { protocol: 'websocket' }));
    expect([e.code, e.status]).toEqual(['internal_error', 500]);
    expect(e.message).toContain('options.protocol');
  });
});
