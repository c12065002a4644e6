import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('file settings from the environment', () => {
  it('defaults to 20 MB uploads, a week of life, at most 30 days, 1000 files and 1 GB per account', () => {
    expect(loadConfig({}).files).toEqual({
      maxBytes: 20 * 1024 * 1024,
      defaultTtlSeconds: 604_800,
      maxTtlSeconds: 2_592_000,
      perAccount: { files: 1000, bytes: 1024 * 1024 * 1024 },
    });
  });

  it('keeps the default time to live within the longest allowed and every expiry at least an hour', () => {
    const files = loadConfig({ IMAGEGATE_FILE_TTL_SECONDS: '864000', IMAGEGATE_FILE_MAX_TTL_SECONDS: '7200' }).files;
    expect([files.defaultTtlSeconds, files.maxTtlSeconds]).toEqual([7200, 7200]);
    expect(loadConfig({ IMAGEGATE_FILE_TTL_SECONDS: '60' }).files.defaultTtlSeconds).toBe(3600);
  });

  it('refuses a size that is not a whole number', () => {
    expect(() => loadConfig({ IMAGEGATE_FILE_MAX_BYTES: '1.5MB' })).toThrow(/IMAGEGATE_FILE_MAX_BYTES/);
  });
});
