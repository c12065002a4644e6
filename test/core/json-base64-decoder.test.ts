/**
 * Base64 text from inside a JSON string, decoded piece by piece as it arrives (pipeline/blob-sink.ts): the bytes
 * are the same whatever the pieces, escapes included, and text that is not base64 fails instead of decoding
 * into a wrong image.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JsonBase64Decoder } from '../../src/bytes/base64.js';

function decodeInPieces(text: string, pieceSize: number | number[]): Buffer {
  const ascii = Buffer.from(text, 'latin1');
  const decoder = new JsonBase64Decoder();
  const out = Buffer.alloc(ascii.length);
  let written = 0;
  const sizes = Array.isArray(pieceSize) ? pieceSize : [pieceSize];
  for (let at = 0, i = 0; at < ascii.length; i++) {
    const size = sizes[i % sizes.length]!;
    const piece = ascii.subarray(at, at + size);
    // Exactly the room the decoder asks for, so a piece that would need more shows.
    const room = Buffer.alloc(JsonBase64Decoder.room(piece.length));
    const n = decoder.push(piece, room, 0);
    room.copy(out, written, 0, n);
    written += n;
    at += size;
  }
  written += decoder.end(out, written);
  return out.subarray(0, written);
}

describe('JsonBase64Decoder', () => {
  const image = randomBytes(10_001); // 10 001 bytes: the text ends with one padding character
  const text = image.toString('base64');

  it.each([1, 2, 3, 4, 5, 7, 64, 4096, 65_536])('decodes the text in pieces of %i characters', (size) => {
    expect(decodeInPieces(text, size).equals(image)).toBe(true);
  });

  it('decodes pieces of uneven sizes', () => {
    expect(decodeInPieces(text, [1, 10, 3, 100, 7, 2]).equals(image)).toBe(true);
  });

  it('decodes every length of image, padded or not', () => {
    for (let n = 1; n <= 12; n++) {
      const bytes = randomBytes(n);
      expect(decodeInPieces(bytes.toString('base64'), 3).equals(bytes)).toBe(true);
    }
  });

  it('reads "\\/" as "/" even when a piece ends between the backslash and the slash', () => {
    const escaped = text.replaceAll('/', '\\/');
    expect(escaped).toContain('\\/');
    for (const size of [1, 2, 3, 5, 4096]) expect(decodeInPieces(escaped, size).equals(image)).toBe(true);
  });

  it('skips escaped line breaks of wrapped base64', () => {
    const wrapped = text.match(/.{1,76}/g)!.join('\\r\\n');
    expect(decodeInPieces(wrapped, 5).equals(image)).toBe(true);
  });

  it('counts the bytes it decoded, writing them where it is told', () => {
    const decoder = new JsonBase64Decoder();
    const into = Buffer.alloc(200, 0xee);
    expect(decoder.push(Buffer.from(text.slice(0, 100)), into, 10)).toBe(75);
    expect(decoder.decodedBytes).toBe(75);
    expect(into.subarray(10, 85).equals(image.subarray(0, 75))).toBe(true);
    expect(into[9]).toBe(0xee);
    expect(into[85]).toBe(0xee);
  });

  it('rejects a character that is not base64', () => {
    const bad = `${text.slice(0, 40)}*${text.slice(41)}`;
    expect(() => decodeInPieces(bad, 64)).toThrow(/not base64/);
  });

  it('rejects an escape other than \\/, \\n and \\r', () => {
    expect(() => decodeInPieces(`${text.slice(0, 40)}\\u0041${text.slice(40)}`, 64)).toThrow(/escape \\u/);
  });

  it('rejects text that goes on after its padding', () => {
    expect(() => decodeInPieces('QQ==QUJD', 4)).toThrow(/after its padding/);
  });

  it('rejects text cut short inside a quantum or an escape', () => {
    expect(() => decodeInPieces(text.slice(0, 41), 64)).toThrow(/cut short/);
    expect(() => decodeInPieces(`${text.slice(0, 40)}\\`, 64)).toThrow(/inside an escape/);
  });
});
