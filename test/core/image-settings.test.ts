import { describe, expect, it } from 'vitest';
import { reportedSettings, streamedSettings } from '../../src/dialects/image-settings.js';
import type { ImageMime, ImageResult } from '../../src/domain/job.js';
import { specSchema } from '../support/openai-spec.js';

const delivery = (meta: ImageResult['meta'], mime: ImageMime = 'image/png') => ({
  result: { images: [], failedCount: 0, meta },
  images: [{ b64: 'aGVsbG8=', mime }],
});

/** The values the spec allows for one field of one schema. */
const enumOf = (schema: string, field: string) => (specSchema(schema) as { properties: Record<string, { enum: string[] }> }).properties[field]!.enum;

describe('reported image settings', () => {
  it('keeps only values within the spec enums of an images reply: never auto, no free-form size, no DALL·E quality', () => {
    expect(reportedSettings(delivery({ size: '1536x864', quality: 'auto', background: 'auto', output_format: 'webp' }))).toEqual({ output_format: 'webp' });
    expect(reportedSettings(delivery({ size: '1024x1024', quality: 'standard' }))).toEqual({ size: '1024x1024' });
    expect(reportedSettings(delivery({ size: '1024x1536', quality: 'high', background: 'transparent', output_format: 'png' }))).toEqual({
      size: '1024x1536',
      quality: 'high',
      background: 'transparent',
      output_format: 'png',
    });
  });

  it('gives a streamed event all four settings within its enums: auto where the model stated none, the format of the bytes', () => {
    const settings = streamedSettings(undefined, 'image/jpeg');
    expect(settings).toEqual({ size: 'auto', quality: 'auto', background: 'auto', output_format: 'jpeg' });
    for (const [field, value] of Object.entries(settings)) expect(enumOf('ImageGenCompletedEvent', field)).toContain(value);
    expect(streamedSettings({ quality: 'low', output_format: 'webp' }, 'image/webp')).toMatchObject({ quality: 'low', output_format: 'webp' });
    expect(streamedSettings(undefined, 'image/bmp').output_format).toBe('png');
  });
});
