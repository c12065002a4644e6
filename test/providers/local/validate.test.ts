import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/domain/errors.js';
import type { ImageParams } from '../../../src/domain/job.js';
import { adapter, callContext, job, route } from './support.js';

function rejection(params: ImageParams): GatewayError {
  try {
    adapter.validate!(job({ params }), route);
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error(`validate accepted ${JSON.stringify(params)}`);
}

describe('local adapter: validate', () => {
  it.each([
    ['resolution 4K', { aspect_ratio: '16:9', resolution: '4K' }, 'resolution', /1K \(long side 1024\), 2K \(long side 2048\)/],
    ['an aspect_ratio whose short side would be under 16px', { aspect_ratio: '200:1', resolution: '1K' }, 'aspect_ratio', /between 1:64 and 64:1/],
    ['an aspect_ratio that is not W:H', { aspect_ratio: 'wide' }, 'aspect_ratio', /e\.g\. "16:9"/],
    ['a size over 2048 on a side', { size: '4096x1024' }, 'size', /each side from 16 to 2048/],
    ['a size under 16 on a side', { size: '8x8' }, 'size', /each side from 16 to 2048/],
    ['a size that is not WxH', { size: 'big' }, 'size', /WIDTHxHEIGHT/],
    ['a size with an aspect_ratio that disagrees', { size: '1024x1024', aspect_ratio: '16:9' }, 'aspect_ratio', /does not match size 1024x1024/],
    ['a size with a resolution that disagrees', { size: '1024x1024', resolution: '2K' }, 'resolution', /does not match size/],
    ['a transparent background in JPEG', { background: 'transparent', output_format: 'jpeg' }, 'background', /png or webp/],
    ['a style the renderer lacks', { style: 'anime' }, 'style', /vivid, natural/],
    ['an output_compression over 100', { output_compression: 101 }, 'output_compression', /0 to 100/],
    ['a negative seed', { seed: -1 }, 'seed', /non-negative/],
  ] as const)('rejects %s with invalid_request naming the field', (_label, params, param, message) => {
    const err = rejection(params);
    expect(err.status).toBe(400);
    expect(err.toBody().error).toMatchObject({ code: 'invalid_request', param, type: 'invalid_request_error' });
    expect(err.message).toMatch(message);
  });

  it.each([
    [{ size: '1536x1024', aspect_ratio: '3:2' }],
    [{ size: '2048x1152', resolution: '2K' }],
    [{ size: 'auto' }],
    [{ aspect_ratio: '64:1' }],
    [{ background: 'transparent', output_format: 'webp' }],
  ] as const)('accepts %j', (params) => {
    expect(() => adapter.validate!(job({ params }), route)).not.toThrow();
  });

  it('rejects in generate what validate rejects, before rendering anything', async () => {
    const j = job({ params: { aspect_ratio: '16:9', resolution: '4K' } });
    await expect(adapter.generate(j, route, callContext())).rejects.toMatchObject({ code: 'invalid_request', param: 'resolution' });
  });
});
