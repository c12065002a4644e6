/**
 * Server-sent events from an upstream body → the `data` payload of each event, as it completes. Parsed at
 * the byte level: an event carrying a multi-megabyte image is one long line, collected as the socket's
 * chunks and joined once when the line ends (no repeated string concatenation, no split UTF-8 sequences).
 * LF, CRLF and CR line ends all work (Google's stream uses CRLF). Comments and fields other than `data`
 * (event, id, retry) are skipped: the upstreams read here put everything in `data`.
 */
import { GatewayError } from '../domain/errors.js';

const LF = 0x0a;
const CR = 0x0d;

export interface SseLimits {
  /** Largest single event accepted, in bytes. */
  maxEventBytes: number;
}

export async function* sseData(who: string, body: AsyncIterable<Buffer>, limits: SseLimits): AsyncGenerator<string> {
  let line: Buffer[] = [];
  let lineBytes = 0;
  let data: string[] = [];
  let dataBytes = 0;
  /** The previous chunk ended in CR: an LF opening the next one belongs to the same line end. */
  let skipLf = false;

  const endLine = (): string | undefined => {
    const text = (line.length === 1 ? line[0]! : Buffer.concat(line, lineBytes)).toString('utf8');
    line = [];
    lineBytes = 0;
    if (text === '') {
      if (data.length === 0) return undefined;
      const event = data.join('\n');
      data = [];
      dataBytes = 0;
      return event;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    if (field !== 'data') return undefined;
    const value = colon < 0 ? '' : text.slice(text[colon + 1] === ' ' ? colon + 2 : colon + 1);
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
  if (data.length) yield data.join('\n');
}

function tooLarge(who: string, max: number): GatewayError {
  return new GatewayError('upstream_error', `${who} sent a streamed event larger than ${max} bytes.`, { retryable: false });
}
