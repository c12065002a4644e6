import { BodyLease } from './body-pool.js';

/**
 * Base64 text of an image. A string when it came from a parsed body; `Base64Bytes` when it was lifted out
 * of an upstream body as raw ASCII, so a multi-megabyte image on the b64 path is never turned into a JS
 * string, decoded or re-encoded: the same bytes that arrived are spliced into the reply.
 */
export type Base64Text = string | Base64Bytes;

export class Base64Bytes {
  constructor(readonly ascii: Buffer) {}

  get length(): number {
    return this.ascii.length;
  }

  /** Makes template literals (`data:image/png;base64,${b64}`) and plain JSON.stringify do the right thing. */
  toString(): string {
    return this.ascii.toString('latin1');
  }

  toJSON(): string {
    return spliceHook ? spliceHook(this.ascii) : this.toString();
  }
}

/**
 * An image whose base64 text already went to the client while it arrived (core/json-tap.ts,
 * server/pass-through.ts): the result keeps its place, its length and its first characters (to sniff its
 * type with base64Head), not its text. The reply's writer recognises it by identity when it serializes the
 * rest; anything that would need the text fails loudly.
 */
export class SentAhead extends Base64Bytes {
  constructor(head: Buffer, private readonly sentLength: number) {
    super(head);
  }

  override get length(): number {
    return this.sentLength;
  }

  override toString(): string {
    throw new Error('This image was passed through to the client as it arrived; its text is not kept.');
  }
}

/** Set only while serializeSpliced (json-bytes.ts) runs, synchronously, to collect the byte pieces. */
let spliceHook: ((ascii: Buffer) => string) | undefined;

export function withSpliceHook<T>(hook: (ascii: Buffer) => string, run: () => T): T {
  spliceHook = hook;
  try {
    return run();
  } finally {
    spliceHook = undefined;
  }
}

export function base64String(t: Base64Text): string {
  return typeof t === 'string' ? t : t.toString();
}

export function decodeBase64(t: Base64Text): Buffer {
  return Buffer.from(base64String(t), 'base64');
}

/** The first bytes of the image, enough to sniff its type, without decoding the rest. */
export function base64Head(t: Base64Text, bytes = 24): Buffer {
  const chars = Math.ceil(bytes / 3) * 4;
  const head = typeof t === 'string' ? t.slice(0, chars) : t.ascii.subarray(0, chars).toString('latin1');
  return Buffer.from(head, 'base64');
}

/**
 * Decodes into a pooled buffer (core/body-pool.ts) and lends it to `use`; the bytes must not be kept after
 * `use` settles. With a request's `lease` the buffer goes back with the request's other buffers; without
 * one it is borrowed for `use` alone. A fresh 1.5 MB buffer per url request was 1.5 MB of external garbage
 * each time, which V8 answers with full collections.
 */
export async function withDecoded<T>(t: Base64Text, use: (bytes: Buffer) => Promise<T>, lease?: BodyLease): Promise<T> {
  const own = lease ? undefined : new BodyLease();
  const buf = (lease ?? own!).take(Math.ceil((t.length * 3) / 4));
  const written = typeof t === 'string' ? buf.write(t, 'base64') : decodeInPieces(t.ascii, buf);
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
