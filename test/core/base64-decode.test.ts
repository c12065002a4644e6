import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Base64Bytes, withDecoded } from '../../src/bytes/base64.js';

const decoded = (t: string | Base64Bytes) => withDecoded(t, async (bytes) => Buffer.from(bytes));

describe('withDecoded', () => {
  it.each([0, 1, 2, 3, 49_151, 49_152, 49_153, 1_500_001])('decodes lifted bytes of a %i-byte image exactly like Buffer.from(…, "base64")', async (n) => {
    const image = randomBytes(n);
    const ascii = Buffer.from(image.toString('base64'), 'latin1');
    expect((await decoded(new Base64Bytes(ascii))).equals(image)).toBe(true);
    expect((await decoded(image.toString('base64'))).equals(image)).toBe(true);
  });

  it('decodes base64 with whitespace in it the way Node does, not piece by piece', async () => {
    const image = randomBytes(200_000);
    const text = image.toString('base64');
    const spaced = `${text.slice(0, 1001)} ${text.slice(1001, 70_000)}\n${text.slice(70_000)}`;
    const got = await decoded(new Base64Bytes(Buffer.from(spaced, 'latin1')));
    expect(got.equals(Buffer.from(spaced, 'base64'))).toBe(true);
    expect(got.equals(image)).toBe(true);
  });
});
