import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/domain/errors.js';
import { decodeDataUrl } from '../../src/domain/data-url.js';

const PARAM = 'image_urls[0]';
const decode = (url: string, maxBytes = 1024) => decodeDataUrl(url, { param: PARAM, maxBytes });

function refusal(url: string, maxBytes = 1024): GatewayError {
  try {
    decode(url, maxBytes);
  } catch (e) {
    expect((e as GatewayError).toBody().error).toMatchObject({ code: 'invalid_request', param: PARAM });
    return e as GatewayError;
  }
  throw new Error('expected a refusal');
}

describe('data URLs', () => {
  it('decodes a base64 PNG data URL into its bytes and media type', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const r = decode(`data:image/PNG;base64,${bytes.toString('base64')}`);
    expect(r.mime).toBe('image/png');
    expect(r.bytes.equals(bytes)).toBe(true);
  });

  it('accepts media-type parameters and unpadded base64', () => {
    const r = decode('data:image/webp;name=a.webp;base64,AAEC');
    expect([...r.bytes]).toEqual([0, 1, 2]);
    expect([...decode('data:image/png;base64,AAE').bytes]).toEqual([0, 1]);
    expect([...decode('data:image/png;base64,AA').bytes]).toEqual([0]);
  });

  it('uses text/plain when the URL names no media type (RFC 2397)', () => {
    expect(decode('data:;base64,AAEC').mime).toBe('text/plain');
  });

  it('refuses a URL one byte over the cap before decoding, naming the size and the cap', () => {
    const atCap = Buffer.alloc(300).toString('base64');
    expect(decode(`data:image/png;base64,${atCap}`, 300).bytes.length).toBe(300);
    const err = refusal(`data:image/png;base64,${Buffer.alloc(301).toString('base64')}`, 300);
    expect(err.message).toBe(`${PARAM}: holds 301 bytes; at most 300 bytes are accepted.`);
  });

  it('judges the size from the length alone: an oversized URL of invalid characters is refused for size', () => {
    const err = refusal(`data:image/png;base64,${'!'.repeat(4000)}`, 1024);
    expect(err.message).toMatch(/holds 3000 bytes; at most 1024 bytes are accepted/);
  });

  it('refuses a data URL without ;base64, saying to base64-encode', () => {
    expect(refusal('data:image/svg+xml,<svg/>').message).toMatch(/without ;base64; send the bytes base64-encoded/);
  });

  it('refuses strings that are not data URLs or have no comma', () => {
    expect(refusal('https://example.com/a.png').message).toMatch(/is not a data URL; expected data:image\/png;base64,/);
    expect(refusal('data:image/png;base64').message).toMatch(/is not a data URL/);
    expect(refusal('data:image png;base64,AAAA').message).toMatch(/is not a data URL/);
  });

  it('refuses empty data', () => {
    expect(refusal('data:image/png;base64,').message).toMatch(/with no data/);
    expect(refusal('data:image/png;base64,==').message).toMatch(/with no data/);
  });

  it('refuses invalid base64: foreign characters, whitespace, a lone trailing digit, misplaced padding', () => {
    for (const data of ['AA-_', 'AA AA', 'AAAA\nAAAA', 'AAAAA', 'AA=A', 'AAA==', 'A=']) {
      const err = refusal(`data:image/png;base64,${data}`);
      expect(err.message, data).toMatch(/holds invalid base64 data/);
    }
  });

  it('never echoes the data in the error message', () => {
    const secret = 'U0VDUkVUU0VDUkVU';
    expect(refusal(`data:image/png;base64,${secret}`, 4).message).not.toContain(secret);
    expect(refusal(`data:image/png;base64,${secret}$`).message).not.toContain(secret);
  });
});
