import { describe, expect, it } from 'vitest';
import { StringTap, TAPPED } from '../../src/bytes/json-tap.js';

const PATH = ['data', 0, 'b64_json'] as const;
const IMAGE = `iVBORw0KGgo${'A'.repeat(5000)}+/=`;

/** Feeds `body` in chunks of `size` bytes; returns what was handed on and the rest of the body. */
function tapInChunks(body: string, size: number, startAfter = 1024): { passed: string; rest: string; tapping: boolean; tapped: number } {
  const tap = new StringTap(PATH, { startAfter });
  const bytes = Buffer.from(body);
  const passed: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) passed.push(...tap.push(bytes.subarray(at, at + size)));
  return { passed: Buffer.concat(passed).toString(), rest: tap.end().toString(), tapping: tap.tapping, tapped: tap.tappedBytes };
}

describe('StringTap', () => {
  const body = JSON.stringify({ created: 7, background: 'opaque', data: [{ b64_json: IMAGE, revised_prompt: 'a "quoted" cat' }], usage: { total_tokens: 3 } });

  it.each([1, 2, 3, 7, 64, 1000, 100_000])('hands on data[0].b64_json exactly when the body comes in %i-byte chunks', (size) => {
    const { passed, rest, tapping, tapped } = tapInChunks(body, size);
    expect(tapping).toBe(true);
    expect(passed).toBe(IMAGE);
    expect(tapped).toBe(IMAGE.length);
    expect(JSON.parse(rest)).toEqual({
      created: 7,
      background: 'opaque',
      data: [{ b64_json: TAPPED, revised_prompt: 'a "quoted" cat' }],
      usage: { total_tokens: 3 },
    });
  });

  it('passes escapes through as they are, so they stay valid inside the reply string', () => {
    const escaped = `{"data":[{"b64_json":"${'ab\\/cd\\"ef\\\\'.repeat(300)}"}]}`;
    for (const size of [1, 5, 4096]) {
      const { passed, rest } = tapInChunks(escaped, size, 16);
      expect(passed).toBe('ab\\/cd\\"ef\\\\'.repeat(300));
      expect(JSON.parse(rest)).toEqual({ data: [{ b64_json: TAPPED }] });
    }
  });

  it('finds the path after members whose strings spell the field name or hold brackets, and through an escaped key', () => {
    const tricky = JSON.stringify({
      note: '"b64_json":"x" ]}{,',
      meta: { b64_json: 'not at the path', list: [1, '{', [2, 3]] },
      data: [{ KEY: IMAGE }],
    }).replace('"KEY"', '"b6\\u0034_json"');
    const { passed, rest } = tapInChunks(tricky, 3);
    expect(passed).toBe(IMAGE);
    expect(JSON.parse(rest).meta.b64_json).toBe('not at the path');
  });

  it('taps nothing when the image is not the first item', () => {
    const second = JSON.stringify({ data: [{ url: 'https://x/1.png' }, { b64_json: IMAGE }] });
    const { passed, rest, tapping } = tapInChunks(second, 100);
    expect(tapping).toBe(false);
    expect(passed).toBe('');
    expect(rest).toBe(second);
  });

  it('keeps a string shorter than startAfter in the body instead of tapping it', () => {
    const small = JSON.stringify({ data: [{ b64_json: 'iVBORw0KGgo=' }], usage: {} });
    const { passed, rest, tapping } = tapInChunks(small, 4, 1024);
    expect(tapping).toBe(false);
    expect(passed).toBe('');
    expect(rest).toBe(small);
  });

  it('keeps other images whole in the rest when the reply has several', () => {
    const two = JSON.stringify({ data: [{ b64_json: IMAGE }, { b64_json: IMAGE.toLowerCase() }] });
    const { passed, rest } = tapInChunks(two, 333);
    expect(passed).toBe(IMAGE);
    expect(JSON.parse(rest)).toEqual({ data: [{ b64_json: TAPPED }, { b64_json: IMAGE.toLowerCase() }] });
  });

  it('throws SyntaxError when the body ends inside the tapped string', () => {
    const tap = new StringTap(PATH, { startAfter: 16 });
    tap.push(Buffer.from(`{"data":[{"b64_json":"${IMAGE.slice(0, 3000)}`));
    expect(tap.tapping).toBe(true);
    expect(() => tap.end()).toThrow(SyntaxError);
  });

  it('gives a body that is not JSON back whole, for the parser to refuse', () => {
    const { rest, tapping } = tapInChunks('<html>bad gateway</html>', 5);
    expect(tapping).toBe(false);
    expect(rest).toBe('<html>bad gateway</html>');
  });
});
