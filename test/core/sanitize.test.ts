import { describe, expect, it } from 'vitest';
import { sanitizeShape } from '../../src/domain/sanitize.js';

const B64 = Buffer.alloc(600, 3).toString('base64');

describe('request_shape sanitization', () => {
  it.each([
    ['lower case', `data:image/png;base64,${B64}`],
    ['upper case', `DATA:image/png;base64,${B64}`],
    ['leading space', ` data:image/png;base64,${B64}`],
    ['leading newline and mixed case', `\n\tDaTa:image/png;base64,${B64}`],
    ['short', 'DATA:image/png;base64,iVBORw0KGgo='],
  ])('hides a data URL written in %s', (_, url) => {
    const shape = sanitizeShape({ images: [{ image_url: url }], mask: { image_url: url } }) as any;
    expect(JSON.stringify(shape)).not.toContain('base64,');
    expect(shape.images[0].image_url).toMatch(/^\[data-url \d+ chars\]$/);
  });

  it('hides a bare base64 blob of any length from 100 characters', () => {
    expect(sanitizeShape({ image: B64.slice(0, 120) })).toEqual({ image: '[base64 120 chars]' });
  });

  it('hides base64 runs and data URLs embedded in longer text, prompts included', () => {
    const shape = sanitizeShape({ prompt: `look at data:image/png;base64,${B64.slice(0, 150)} please`, note: `key: ${B64.slice(0, 140)} (end)` }) as any;
    expect(shape.prompt).toContain('[data-url');
    expect(shape.prompt).not.toContain(B64.slice(0, 40));
    expect(shape.note).toContain('[base64 140 chars]');
  });

  it('keeps ordinary short values as they are', () => {
    expect(sanitizeShape({ model: 'local', size: '1024x1024', prompt: 'a cat' })).toEqual({ model: 'local', size: '1024x1024', prompt: 'a cat' });
  });
});

describe('request_shape sanitization of text', () => {
  it('keeps a long prompt of words as truncated text, not as a base64 blob', () => {
    const prompt = `a quiet harbour at dawn ${'with boats '.repeat(40)}`;
    const shape = sanitizeShape({ prompt }) as { prompt: string };
    expect(shape.prompt.startsWith('a quiet harbour at dawn with boats')).toBe(true);
    expect(shape.prompt).toContain(`(${prompt.length} chars)`);
  });
});
