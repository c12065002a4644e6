/**
 * Server-sent events from an upstream body → the `data` payload of each event, as it completes. Parsed at
 * the byte level: an event carrying a multi-megabyte image is one long line, collected as the socket's
 * chunks and joined once when the line ends (no repeated string concatenation, no split UTF-8 sequences).
 * LF, CRLF and CR line ends all work (Google's stream uses CRLF). Comments, `id` and `retry` are skipped;
 * `event` names the event for upstreams that type their events by it (OpenAI's image streams).
 */
import { GatewayError } from '../domain/errors.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

export interface SseLimits {
  /** Largest single event accepted, in bytes. */
  maxEventBytes: number;
}

/** One server-sent event: its `event` field when it has one, and its `data` lines joined, as bytes. */
export interface SseEvent {
  event: string | undefined;
  data: Buffer;
}

const NEWLINE = Buffer.from('\n');

/** The `data` payload of each event, as text (what an upstream that puts everything in `data` needs). */
export async function* sseData(who: string, body: AsyncIterable<Buffer>, limits: SseLimits): AsyncGenerator<string> {
  for await (const e of sseEvents(who, body, limits)) yield e.data.toString('utf8');
}

/**
 * Each event as it completes, its data left as bytes: an event that carries an image is handed on without
 * ever becoming a string (bytes/json-bytes.ts can lift the image out of it where it lies).
 */
export async function* sseEvents(who: string, body: AsyncIterable<Buffer>, limits: SseLimits): AsyncGenerator<SseEvent> {
  let line: Buffer[] = [];
  let lineBytes = 0;
  let data: Buffer[] = [];
  let dataBytes = 0;
  let eventType: string | undefined;
  /** The previous chunk ended in CR: an LF opening the next one belongs to the same line end. */
  let skipLf = false;

  const dispatchEvent = (): SseEvent => {
    const joined = data.length === 1 ? data[0]! : Buffer.concat(data.flatMap((d, i) => (i === 0 ? [d] : [NEWLINE, d])));
    const event = { event: eventType, data: joined };
    data = [];
    dataBytes = 0;
    eventType = undefined;
    return event;
  };

  const endLine = (): SseEvent | undefined => {
    const text = line.length === 1 ? line[0]! : Buffer.concat(line, lineBytes);
    line = [];
    lineBytes = 0;
    if (text.length === 0) {
      if (data.length === 0) {
        eventType = undefined;
        return undefined;
      }
      return dispatchEvent();
    }
    if (text[0] === COLON) return undefined;
    const colon = text.indexOf(COLON);
    const field = (colon < 0 ? text : text.subarray(0, colon)).toString('utf8');
    const value = colon < 0 ? Buffer.alloc(0) : text.subarray(text[colon + 1] === SPACE ? colon + 2 : colon + 1);
    if (field === 'event') eventType = value.toString('utf8');
    if (field !== 'data') return undefined;
    dataBytes += value.length;
    if (dataBytes > limits.maxEventBytes) throw tooLarge(who, limits.maxEventBytes);
    data.push(value);
    return undefined;
  };

  for await (const chunk of body) {
    let from = 0;
    if (skipLf && chunk[0] === LF) from = 1;
    skipLf = false;
    while (from < chunk.length) {
      const lf = chunk.indexOf(LF, from);
      const cr = chunk.indexOf(CR, from);
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (end < 0) {
        line.push(chunk.subarray(from));
        lineBytes += chunk.length - from;
        if (lineBytes > limits.maxEventBytes) throw tooLarge(who, limits.maxEventBytes);
        break;
      }
      if (end > from) {
        line.push(chunk.subarray(from, end));
        lineBytes += end - from;
      }
      const event = endLine();
      if (event !== undefined) yield event;
      from = end + 1;
      if (chunk[end] === CR) {
        if (from === chunk.length) skipLf = true;
        else if (chunk[from] === LF) from++;
      }
    }
  }
  // A stream that ends without the final blank line still delivers its last event.
  if (lineBytes > 0) {
    const event = endLine();
    if (event !== undefined) yield event;
  }
  if (data.length) yield dispatchEvent();
}

function tooLarge(who: string, max: number): GatewayError {
  return new GatewayError('upstream_error', `${who} sent a streamed event larger than ${max} bytes.`, { retryable: false });
}
