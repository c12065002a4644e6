import { BodyLease, type BufferLender } from './body-pool.js';

/**
 * Base64 text of an image: a string when it came from a parsed body, or any object whose toString gives the
 * text, as `Base64Bytes` does.
 */
export type Base64Text = string | { readonly length: number; toString(): string };

/**
 * Base64 text lifted out of an upstream body as raw ASCII (json-bytes.ts), so a multi-megabyte image on the
 * b64 path is never turned into a JS string, decoded or re-encoded: serializeSpliced writes these same
 * bytes into the reply. Anything else that stringifies it (JSON.stringify, a template literal) gets its
 * text, always.
 */
export class Base64Bytes {
  constructor(readonly ascii: Buffer) {}

  get length(): number {
    return this.ascii.length;
  }

  toString(): string {
    return this.ascii.toString('latin1');
  }

  toJSON(): string {
    return this.toString();
  }
}

export function base64String(t: Base64Text): string {
  return typeof t === 'string' ? t : t.toString();
}

/** The text's raw ASCII bytes when it is held as bytes: read where it lies, never made a string. */
function asciiOf(t: Base64Text): Buffer | undefined {
  return t instanceof Base64Bytes ? t.ascii : undefined;
}

export function decodeBase64(t: Base64Text): Buffer {
  return Buffer.from(base64String(t), 'base64');
}

/** The first bytes of the image, enough to sniff its type, without decoding the rest. */
export function base64Head(t: Base64Text, bytes = 24): Buffer {
  const chars = Math.ceil(bytes / 3) * 4;
  const ascii = asciiOf(t);
  const head = ascii ? ascii.toString('latin1', 0, Math.min(chars, ascii.length)) : base64String(t).slice(0, chars);
  return Buffer.from(head, 'base64');
}

/**
 * Decodes into a pooled buffer (bytes/body-pool.ts) and lends it to `use`; the bytes must not be kept after
 * `use` settles. With a request's `lease` the buffer goes back with the request's other buffers; without
 * one it is borrowed for `use` alone. A fresh 1.5 MB buffer per url request was 1.5 MB of external garbage
 * each time, which V8 answers with full collections.
 */
export async function withDecoded<T>(t: Base64Text, use: (bytes: Buffer) => Promise<T>, lease?: BufferLender): Promise<T> {
  const own = lease ? undefined : new BodyLease();
  const buf = (lease ?? own!).take(Math.ceil((t.length * 3) / 4));
  const ascii = asciiOf(t);
  const written = ascii ? decodeInPieces(ascii, buf) : buf.write(base64String(t), 'base64');
  try {
    return await use(buf.subarray(0, written));
  } finally {
    own?.giveBack();
  }
}

/**
 * Base64 bytes decoded a piece at a time. Decoding them whole needs them as one string first, and a 2 MB
 * string is external memory again; 64 KB pieces are small strings in the young generation. A piece is a
 * multiple of 4 characters, so no quantum is split unless the text holds something other than base64
 * (whitespace, say): then a piece decodes short, and the text is decoded whole instead.
 */
const PIECE = 64 * 1024;
function decodeInPieces(ascii: Buffer, into: Buffer): number {
  let written = 0;
  for (let at = 0; at < ascii.length; at += PIECE) {
    const end = Math.min(at + PIECE, ascii.length);
    const n = into.write(ascii.toString('latin1', at, end), written, 'base64');
    if (end < ascii.length && n !== (PIECE / 4) * 3) return into.write(ascii.toString('latin1'), 0, 'base64');
    written += n;
  }
  return written;
}

const BACKSLASH = 0x5c;

/**
 * Base64 text as it stands inside a JSON string, decoded as it arrives in pieces of any size (an image
 * streamed into the blob store, pipeline/blob-sink.ts), into buffers the caller provides. A 4-character
 * quantum or an escape may be split between pieces; the characters left over wait for the next piece. JSON
 * may escape `/` as `\/` and wrap lines with `\n`/`\r`; any other escape, or any character base64 does not
 * have, fails the image rather than decoding it wrong.
 */
export class JsonBase64Decoder {
  /** Fewer than four characters of an unfinished quantum (or a lone backslash) from the last piece. */
  private carry: Buffer = Buffer.alloc(0);
  /** Bytes decoded so far. */
  decodedBytes = 0;
  private ended = false;
  /** A padded quantum ends base64 text: nothing may follow it. */
  private padded = false;

  /** The most bytes a piece of this many characters can decode to, with what earlier pieces left over. */
  static room(chars: number): number {
    return Math.ceil((chars + 3) / 4) * 3;
  }

  /** Decodes every whole quantum the text so far completes into `into` at `at`; the bytes written. */
  push(piece: Buffer, into: Buffer, at: number): number {
    if (this.ended) throw new Error('base64 text pushed after its end');
    if (piece.includes(BACKSLASH) || this.carry.includes(BACKSLASH)) return this.pushEscaped(piece, into, at);
    // The carried characters are completed into one quantum of their own, so the piece (the image's text)
    // is decoded where it lies, never copied behind them.
    let start = 0;
    let written = 0;
    if (this.carry.length) {
      start = Math.min(4 - this.carry.length, piece.length);
      const quantum = Buffer.concat([this.carry, piece.subarray(0, start)]);
      if (quantum.length < 4) {
        this.carry = quantum;
        return 0;
      }
      written = this.decode(quantum, 4, false, into, at);
    }
    const text = piece.subarray(start);
    const whole = text.length - (text.length % 4);
    this.carry = Buffer.from(text.subarray(whole));
    return written + this.decode(text, whole, false, into, at + written);
  }

  /** A piece with escapes (or after one split off at the end of the last): unescaped into a copy first. */
  private pushEscaped(piece: Buffer, into: Buffer, at: number): number {
    const { text, pendingBackslash } = unescapeJsonBase64(Buffer.concat([this.carry, piece]));
    const usable = pendingBackslash ? text.length - 1 : text.length;
    const whole = usable - (usable % 4);
    this.carry = Buffer.from(text.subarray(whole));
    return this.decode(text, whole, false, into, at);
  }

  /** Decodes the last characters, once the string has ended; the bytes written. */
  end(into: Buffer, at: number): number {
    this.ended = true;
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    if (rest.includes(BACKSLASH)) throw new Error("The image's base64 text ends inside an escape.");
    if (rest.length % 4 === 1) throw new Error("The image's base64 text is cut short.");
    return this.decode(rest, rest.length, true, into, at);
  }

  private decode(text: Buffer, chars: number, last: boolean, into: Buffer, at: number): number {
    if (chars === 0) return 0;
    if (this.padded) throw new Error("The image's base64 text goes on after its padding.");
    const padding = text[chars - 1] === 0x3d ? (text[chars - 2] === 0x3d ? 2 : 1) : 0;
    const expected = last && chars % 4 !== 0 ? Math.floor((chars * 3) / 4) : (chars / 4) * 3 - padding;
    if (into.length - at < expected) throw new RangeError('no room for the decoded bytes');
    const written = into.write(text.toString('latin1', 0, chars), at, 'base64');
    // Node skips what is not base64 (and stops at padding), so a short decode means the text was not clean.
    if (written !== expected) throw new Error("The image's base64 text holds characters that are not base64.");
    this.padded = padding > 0;
    this.decodedBytes += written;
    return written;
  }
}

/** `\/` → `/`, `\n` and `\r` dropped; a backslash that ends the text is kept for the next piece. */
function unescapeJsonBase64(text: Buffer): { text: Buffer; pendingBackslash: boolean } {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== BACKSLASH) {
      out[n++] = c;
      continue;
    }
    if (i === text.length - 1) {
      out[n++] = c;
      return { text: out.subarray(0, n), pendingBackslash: true };
    }
    const next = text[++i]!;
    if (next === 0x2f) out[n++] = 0x2f;
    else if (next !== 0x6e && next !== 0x72) throw new Error(`The image's base64 text holds the escape \\${String.fromCharCode(next)}.`);
  }
  return { text: out.subarray(0, n), pendingBackslash: false };
}
