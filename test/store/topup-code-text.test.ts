import { describe, expect, it } from 'vitest';
import { newTopupCode, readTopupCode, topupCodePrefix } from '../../src/store/topup-code-text.js';

describe('top-up code text', () => {
  it('makes codes of IG- and four groups of four Crockford base32 characters, all different', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newTopupCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(/^IG-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  });

  it('uses every character of the alphabet in every position', () => {
    const seen = Array.from({ length: 16 }, () => new Set<string>());
    for (let i = 0; i < 3000; i++) {
      for (const [at, ch] of [...newTopupCode().replace(/^IG-|-/g, '')].entries()) seen[at]!.add(ch);
    }
    for (const chars of seen) expect(chars.size).toBe(32);
  });

  it('reads a code typed in any case, with spaces or without dashes or its IG, and O, I, L for 0, 1', () => {
    const code = readTopupCode('IG-0123-4567-89AB-CDEF')!;
    expect(code).toBe('IG-0123-4567-89AB-CDEF');
    for (const typed of [
      ' ig 0123 4567 89ab cdef ',
      'IG0123456789ABCDEF',
      '0123-4567-89AB-CDEF',
      'IG-O123-4567-89AB-CDEF',
      'IG-0l23-4567-89AB-CDEF',
      'IG-0I23-4567-89AB-CDEF',
    ]) {
      expect(readTopupCode(typed), typed).toBe(code);
    }
  });

  it('reads nothing from text that cannot be a code', () => {
    for (const typed of ['', 'IG-0123-4567-89AB', 'IG-0123-4567-89AB-CDEFG', 'IG-0123-4567-89AB-CDEU', 'XX-0123-4567-89AB-CDEF', 'IG-0123-4567-89AB-CD€F']) {
      expect(readTopupCode(typed), typed).toBeUndefined();
    }
  });

  it('shows the lead and the first group as the prefix', () => {
    expect(topupCodePrefix(readTopupCode('IG-7K3M-4567-89AB-CDEF')!)).toBe('IG-7K3M');
  });
});
