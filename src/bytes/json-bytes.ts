/**
 * JSON with multi-megabyte strings in it, handled as bytes: a scan that lifts the big string values out of
 * an upstream body before the small rest is parsed, and a serializer that splices them back into a reply.
 * This is what keeps the b64 path near a plain proxy: the image bytes are found with memchr-speed
 * `indexOf` and copied once into the reply, never parsed, decoded or stringified.
 */
import { randomBytes } from 'node:crypto';
import { Base64Bytes } from './base64.js';
import type { BufferLender } from './body-pool.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Per process, so no upstream or client string can forge a marker. */
const NONCE = randomBytes(6).toString('hex');
const MARKER = `\u0001ig-${NONCE}-`;
// How a marker looks inside JSON.stringify output: the control character is escaped.
const MARKER_IN_JSON = JSON.stringify(MARKER).slice(0, -1);

export function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Index of the first quote at or after `start` that closes a string (an escaped quote does not), or -1.
 * `start` is inside the string; `carry` is how many backslashes came just before it, in a piece of the
 * string that arrived earlier (bytes/json-tap.ts reads strings in pieces).
 */
export function unescapedQuote(buf: Buffer, start: number, carry = 0): number {
  let from = start;
  for (;;) {
    const q = buf.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let b = q - 1;
    while (b >= start && buf[b] === BACKSLASH) b--;
    const backslashes = q - 1 - b + (b < start ? carry : 0);
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}

/** Index of the quote closing the string that opens at `open`, or -1. */
export function closingQuote(buf: Buffer, open: number): number {
  return unescapedQuote(buf, open + 1);
}

export function skipSpace(buf: Buffer, i: number): number {
  while (i < buf.length && isSpace(buf[i])) i++;
  return i;
}

/** Image strings from this many base64 characters up are worth lifting; smaller ones are cheaper to parse. */
export const LIFT_IMAGES_FROM_CHARS = 32 * 1024;

/**
 * Parses a JSON body, except that every string value of a member named `field` that holds no escapes
 * comes back as `Base64Bytes` viewing the original buffer (no copy). Valid JSON has quotes only around
 * strings, so hopping from quote to quote visits exactly the strings, and only the structure between
 * them is ever looked at byte by byte. Throws SyntaxError like JSON.parse on a malformed body.
 * Strings shorter than `minLength` stay in the JSON: when nothing is lifted the body goes to JSON.parse
 * without the reviver, which costs more than copying a few KB.
 */
export function parseLifting(buf: Buffer, field: string, { minLength = 0 }: { minLength?: number } = {}): unknown {
  const key = Buffer.from(field, 'utf8');
  const lifted: Buffer[] = [];
  const pieces: Buffer[] = [];
  let copiedTo = 0;
  let pos = 0;
  for (;;) {
    const open = buf.indexOf(QUOTE, pos);
    if (open < 0) break;
    const close = closingQuote(buf, open);
    if (close < 0) break; // unterminated: JSON.parse below reports it
    pos = close + 1;
    if (close - open - 1 !== key.length || !buf.subarray(open + 1, close).equals(key)) continue;
    const colon = skipSpace(buf, close + 1);
    if (buf[colon] !== COLON) continue; // a value that happens to spell the field name
    const valueOpen = skipSpace(buf, colon + 1);
    if (buf[valueOpen] !== QUOTE) continue;
    const valueClose = closingQuote(buf, valueOpen);
    if (valueClose < 0) break;
    const value = buf.subarray(valueOpen + 1, valueClose);
    pos = valueClose + 1;
    // A string with escapes must be unescaped by JSON.parse; such strings are left in place.
    if (value.length < minLength || value.indexOf(BACKSLASH) >= 0) continue;
    pieces.push(buf.subarray(copiedTo, valueOpen), Buffer.from(JSON.stringify(MARKER + lifted.length)));
    lifted.push(value);
    copiedTo = valueClose + 1;
  }
  if (lifted.length === 0) return JSON.parse(buf.toString('utf8'));
  pieces.push(buf.subarray(copiedTo));
  const rest = Buffer.concat(pieces).toString('utf8');
  return JSON.parse(rest, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(MARKER) ? new Base64Bytes(lifted[Number(v.slice(MARKER.length))]!) : v));
}

/**
 * Upstream bodies read by `withSpliceRoom` sit in a buffer with spare bytes on both sides. Once such a body
 * is parsed, everything in it but the lifted strings is scratch, so a reply made of head + one lifted
 * string + tail can be written around the string in place: the reply is a view of the upstream's own
 * buffer, and the image is copied zero times between the upstream socket and the client socket.
 */
const ROOM_BEFORE = 1024;
const ROOM_AFTER = 16 * 1024;
const spliceable = new WeakSet<ArrayBuffer>();

/**
 * A buffer for an upstream body of `length` bytes, with room to splice a reply around a string in it;
 * borrowed from `lease` when the request has one (bytes/body-pool.ts).
 */
export function withSpliceRoom(length: number, lease?: BufferLender): Buffer {
  const total = ROOM_BEFORE + length + ROOM_AFTER;
  const store = lease ? lease.take(total) : Buffer.allocUnsafeSlow(total);
  spliceable.add(store.buffer as ArrayBuffer);
  return store.subarray(ROOM_BEFORE, ROOM_BEFORE + length);
}

/** A serialized JSON body in pieces: text pieces around the spliced image bytes. */
export class SplicedBody {
  readonly length: number;
  constructor(readonly pieces: readonly Buffer[]) {
    this.length = pieces.reduce((n, p) => n + p.length, 0);
  }

  toString(): string {
    return Buffer.concat(this.pieces as Buffer[], this.length).toString('utf8');
  }

  /**
   * The body as one buffer: written in place around a single spliced string when its buffer has the room
   * (see withSpliceRoom), else joined. Call once, after the upstream body is no longer read.
   */
  toBuffer(): Buffer {
    const [head, middle, tail] = this.pieces;
    if (this.pieces.length === 3 && head && middle && tail && spliceable.has(middle.buffer as ArrayBuffer)) {
      const start = middle.byteOffset - head.length;
      const end = middle.byteOffset + middle.length + tail.length;
      if (start >= 0 && end <= middle.buffer.byteLength) {
        const whole = Buffer.from(middle.buffer, start, end - start);
        head.copy(whole, 0);
        tail.copy(whole, head.length + middle.length);
        return whole;
      }
    }
    return this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces as Buffer[], this.length);
  }
}

/**
 * JSON.stringify that writes each `Base64Bytes` in `value` by splicing its bytes into the output instead
 * of making a string of them. They are swapped for markers in copies of their holders before JSON.stringify
 * runs (a walk of the objects and arrays; a replacer function made JSON.stringify call back for every
 * value, ~2 KB of garbage and 1.6% of a small request's CPU), so no state outside this call decides what a
 * Base64Bytes stringifies to.
 */
export function serializeSpliced(value: unknown): SplicedBody {
  const spliced: Buffer[] = [];
  const text = JSON.stringify(marked(value, spliced));
  if (spliced.length === 0) return new SplicedBody([Buffer.from(text, 'utf8')]);
  const parts: Buffer[] = [];
  // Markers are numbered as their holders were visited, which is not always the order they are written in.
  let from = 0;
  for (let at = text.indexOf(MARKER_IN_JSON, from); at >= 0; at = text.indexOf(MARKER_IN_JSON, from)) {
    const digits = at + MARKER_IN_JSON.length;
    const close = text.indexOf('"', digits);
    // The opening quote (the token's first character) stays in the text before the bytes, the closing one after.
    parts.push(Buffer.from(text.slice(from, at + 1), 'utf8'), spliced[Number(text.slice(digits, close))]!);
    from = close;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return new SplicedBody(parts);
}

/**
 * `value` with each Base64Bytes in its objects and arrays swapped for a numbered marker (its bytes pushed to
 * `spliced`); a holder that changes is copied (its own enumerable keys: what JSON.stringify writes of it),
 * never written to. An object with a toJSON method is left to it: a Base64Bytes in there is written as text.
 */
function marked(value: unknown, spliced: Buffer[]): unknown {
  if (value instanceof Base64Bytes) return MARKER + (spliced.push(value.ascii) - 1);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const m = marked(value[i], spliced);
      if (m !== value[i]) (copy ??= value.slice())[i] = m;
    }
    return copy ?? value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const holder = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(holder)) {
    const m = marked(holder[key], spliced);
    if (m !== holder[key]) (copy ??= { ...holder })[key] = m;
  }
  return copy ?? value;
}
