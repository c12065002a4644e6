/**
 * The text of a top-up code: `IG-` and four groups of four Crockford base32 characters (80 random bits), read
 * aloud or typed from a card without confusion. What a member types is read leniently (any case, spaces or
 * dashes anywhere, O for 0, I and L for 1) into one canonical text, and only that text's hash is stored.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so no two characters look alike. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 4;
const GROUP_LENGTH = 4;
const BODY_LENGTH = GROUPS * GROUP_LENGTH;
const LEAD = 'IG';

/** A code in its canonical form (`IG-XXXX-XXXX-XXXX-XXXX`): made by newTopupCode or readTopupCode only. */
export type TopupCode = string & { readonly __canonical: 'topup code' };

function format(body: string): TopupCode {
  const groups = body.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g')) ?? [];
  return `${LEAD}-${groups.join('-')}` as TopupCode;
}

/** A fresh random code: 16 characters of 5 bits each, from 10 random bytes. */
export function newTopupCode(): TopupCode {
  const bytes = randomBytes((BODY_LENGTH * 5) / 8);
  let bits = 0;
  let value = 0;
  let body = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      body += ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return format(body);
}

/** What a person typed, as the canonical code; undefined when it cannot be one (wrong length or characters). */
export function readTopupCode(typed: string): TopupCode | undefined {
  let text = typed.toUpperCase().replace(/[\s-]+/g, '');
  if (text.length === LEAD.length + BODY_LENGTH && text.startsWith(LEAD)) text = text.slice(LEAD.length);
  if (text.length !== BODY_LENGTH) return undefined;
  const body = text.replace(/O/g, '0').replace(/[IL]/g, '1');
  return [...body].every((ch) => ALPHABET.includes(ch)) ? format(body) : undefined;
}

/** What is stored of a code: its SHA-256. 80 random bits need no slow hash: there is no dictionary to try. */
export const topupCodeHash = (code: TopupCode): string => createHash('sha256').update(code).digest('hex');

/** The part of a code shown in lists (`IG-XXXX`): enough to tell codes apart, 20 of its 80 bits. */
export const topupCodePrefix = (code: TopupCode): string => code.slice(0, LEAD.length + 1 + GROUP_LENGTH);
