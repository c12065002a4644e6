/**
 * A JSON body read as it arrives, with the one long string at a given path (`data[0].b64_json`) handed on
 * while it is still arriving. This is how the first image of an upstream images reply reaches the client
 * chunk by chunk instead of after the whole body: no 2 MB body is held per request, and the client's first
 * byte does not wait for the upstream's last (providers/images-answer.ts).
 *
 * Everything but that string is kept and given back at the end as a small body whose string is replaced by
 * `TAPPED`, to be parsed as usual. The string's raw JSON contents are passed on as they are (never
 * unescaped): they are written inside a JSON string again, so an escape such as `\/` stays valid.
 *
 * Only structure outside strings is looked at byte by byte, and only before the tapped string; strings are
 * hopped from quote to quote as in parseLifting (json-bytes.ts).
 */
import { randomBytes } from 'node:crypto';
import { closingQuote, skipSpace, unescapedQuote } from './json-bytes.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** The tapped string's value in the parsed rest of the body; per process, so no upstream can forge it. */
export const TAPPED = `\u0001ig-tapped-${randomBytes(6).toString('hex')}`;
const TAPPED_JSON = Buffer.from(JSON.stringify(TAPPED));
const QUOTE_BYTE = Buffer.from('"');

/** The bytes before the tapped string are looked for this far at most; an answer shaped otherwise is kept whole. */
const MAX_SEEK_BYTES = 256 * 1024;

export type JsonPath = ReadonlyArray<string | number>;

type Frame = { kind: 'object'; key: string | undefined; expectKey: boolean } | { kind: 'array'; index: number };

function trailingBackslashes(data: Buffer, carry: number): number {
  let b = data.length - 1;
  while (b >= 0 && data[b] === BACKSLASH) b--;
  return data.length - 1 - b + (b < 0 ? carry : 0);
}

export class StringTap {
  private phase: 'seek' | 'value' | 'after' | 'whole' = 'seek';
  /** Seek: the body so far, scanned from `pos`. Later: the bytes before the tapped string's opening quote. */
  private head: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly stack: Frame[] = [];
  /** The string's first bytes, held until there are `startAfter` of them (a short string is not tapped). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private carry = 0;
  /** Everything after the tapped string (from its closing quote), or after `head` when nothing is tapped. */
  private rest: Buffer[] = [];
  /** Bytes of the string handed on. */
  tappedBytes = 0;

  constructor(
    private readonly path: JsonPath,
    private readonly opts: { startAfter: number },
  ) {}

  private started = false;

  /** True once the string has started going out: from then on the answer is committed. */
  get tapping(): boolean {
    return this.started;
  }

  /** Takes the next chunk of the body; returns the bytes of the tapped string to hand on now (often none). */
  push(chunk: Buffer): Buffer[] {
    switch (this.phase) {
      case 'seek': {
        this.head = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
        const open = this.seekValue();
        if (open >= 0) {
          const inValue = this.head.subarray(open + 1);
          this.head = this.head.subarray(0, open);
          this.phase = 'value';
          return this.value(inValue);
        }
        if (this.head.length > MAX_SEEK_BYTES) this.phase = 'whole';
        return [];
      }
      case 'value':
        return this.value(chunk);
      default:
        this.rest.push(chunk);
        return [];
    }
  }

  /**
   * The body without the tapped string, to parse: the string reads as `TAPPED` there when it was handed on,
   * and the body is whole when it was not. Throws SyntaxError when the body ended inside the string.
   */
  end(): Buffer {
    if (this.phase === 'value') throw new SyntaxError('The body ended inside a string.');
    if (this.phase === 'after') return Buffer.concat([this.head, TAPPED_JSON, ...this.rest]);
    return Buffer.concat([this.head, ...this.rest]);
  }

  private value(data: Buffer): Buffer[] {
    const close = unescapedQuote(data, 0, this.carry);
    const piece = close < 0 ? data : data.subarray(0, close);
    this.carry = trailingBackslashes(piece, this.carry);
    let out: Buffer[] = [];
    if (this.started) {
      out = [piece];
    } else {
      this.held.push(piece);
      this.heldBytes += piece.length;
      if (this.heldBytes >= this.opts.startAfter) {
        this.started = true;
        out = this.held;
        this.held = [];
      }
    }
    for (const p of out) this.tappedBytes += p.length;
    if (close >= 0) {
      if (this.started) {
        this.phase = 'after';
        // The closing quote is part of TAPPED_JSON.
        this.rest.push(data.subarray(close + 1));
      } else {
        // Too short to be worth it: the body is kept whole and parsed as usual.
        this.phase = 'whole';
        this.rest.push(QUOTE_BYTE, ...this.held, data.subarray(close));
        this.held = [];
      }
    }
    return out;
  }

  /** Index of the opening quote of the string at the path, or -1 until it has arrived. */
  private seekValue(): number {
    const buf = this.head;
    let i = this.pos;
    while (i < buf.length) {
      const c = buf[i]!;
      if (c === QUOTE) {
        const close = closingQuote(buf, i);
        if (close < 0) break;
        const top = this.stack.at(-1);
        if (top?.kind === 'object' && top.expectKey) {
          // A key: wait until its value's first byte is here, then decide.
          const colon = skipSpace(buf, close + 1);
          const valueAt = skipSpace(buf, colon + 1);
          if (valueAt >= buf.length) break;
          top.key = keyText(buf, i, close);
          top.expectKey = false;
          if (buf[valueAt] === QUOTE && this.atPath()) return valueAt;
          i = colon + 1;
          continue;
        }
        i = close + 1;
        continue;
      }
      if (c === OPEN_BRACE) this.stack.push({ kind: 'object', key: undefined, expectKey: true });
      else if (c === OPEN_BRACKET) this.stack.push({ kind: 'array', index: 0 });
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.stack.pop();
      else if (c === COMMA) {
        const top = this.stack.at(-1);
        if (top?.kind === 'array') top.index++;
        else if (top) top.expectKey = true;
      }
      i++;
    }
    this.pos = i;
    return -1;
  }

  private atPath(): boolean {
    if (this.stack.length !== this.path.length) return false;
    return this.path.every((step, d) => {
      const f = this.stack[d]!;
      return typeof step === 'number' ? f.kind === 'array' && f.index === step : f.kind === 'object' && f.key === step;
    });
  }
}

function keyText(buf: Buffer, open: number, close: number): string {
  const raw = buf.subarray(open + 1, close);
  return raw.includes(BACKSLASH) ? (JSON.parse(buf.toString('utf8', open, close + 1)) as string) : raw.toString('utf8');
}
