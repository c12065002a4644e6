import { describe, expect, it } from 'vitest';
import { decodeJobHandle, encodeJobHandle, handleUrl, MAX_HANDLE_LENGTH } from '../../src/providers/job-handle.js';

const unusable = (why: string) => new Error(`cannot follow: ${why}`);

describe('job handles kept as JSON', () => {
  it('round-trips named values', () => {
    expect(decodeJobHandle(encodeJobHandle({ id: 'j1', url: 'https://x.test/p' }, unusable), unusable)).toEqual({ id: 'j1', url: 'https://x.test/p' });
  });

  it('refuses a handle longer than the task row keeps', () => {
    expect(() => encodeJobHandle({ id: 'x'.repeat(MAX_HANDLE_LENGTH) }, unusable)).toThrow('cannot follow: its handle is too long to keep');
  });

  it('refuses stored text that is not a JSON object', () => {
    expect(() => decodeJobHandle('task-123', unusable)).toThrow('its stored handle is not JSON');
    expect(() => decodeJobHandle('["a"]', unusable)).toThrow('its stored handle is not a JSON object');
    expect(() => decodeJobHandle('null', unusable)).toThrow('its stored handle is not a JSON object');
  });

  it('names a URL value that is missing or malformed', () => {
    expect(() => handleUrl(undefined, 'polling URL', unusable)).toThrow('its polling URL is missing');
    expect(() => handleUrl('not a url', 'polling URL', unusable)).toThrow('its polling URL is not a URL');
    expect(handleUrl('https://api.bfl.ai/v1/get_result?id=1', 'polling URL', unusable).host).toBe('api.bfl.ai');
  });
});
