/** The upstream SSE reader: events however the bytes are cut into chunks, every line-end style, and its size cap. */
import { describe, expect, it } from 'vitest';
import { type SseEvent, sseData, sseEvents } from '../../src/providers/sse.js';

async function read(chunks: Array<string | Buffer>, maxEventBytes = 1 << 20): Promise<string[]> {
  async function* body() {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  }
  const out: string[] = [];
  for await (const d of sseData('Upstream', body(), { maxEventBytes })) out.push(d);
  return out;
}

/** Every way to cut `text` in two. */
const splits = (text: string) => Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);

describe('sseData', () => {
  it('reads LF, CRLF and CR line ends, skipping comments and other fields', async () => {
    expect(await read(['data: a\n\n: keep-alive\n\nevent: x\ndata: b\r\n\r\nid: 1\rdata: c\r\r'])).toEqual(['a', 'b', 'c']);
  });

  it('gives the same events wherever the chunks are cut (a CRLF split across two chunks included)', async () => {
    const text = 'data: {"x":1}\r\n\r\ndata: {"y":"é"}\r\n\r\n';
    const bytes = Buffer.from(text);
    for (let i = 0; i <= bytes.length; i++) {
      expect(await read([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(['{"x":1}', '{"y":"é"}']);
    }
    for (const parts of splits('data: a\r\n\r\n')) expect(await read(parts)).toEqual(['a']);
  });

  it('joins multi-line data with a newline, and takes "data:" without the space', async () => {
    expect(await read(['data:one\ndata: two\n\n'])).toEqual(['one\ntwo']);
  });

  it('delivers a last event the stream ended without a blank line after', async () => {
    expect(await read(['data: a\n\ndata: last'])).toEqual(['a', 'last']);
  });

  it('refuses an event larger than the cap as a non-retryable upstream_error', async () => {
    await expect(read(['data: ', 'x'.repeat(100), '\n\n'], 50)).rejects.toMatchObject({ code: 'upstream_error', retryable: false });
  });
});

describe('sseEvents', () => {
  async function events(chunks: string[]): Promise<SseEvent[]> {
    async function* body() {
      for (const c of chunks) yield Buffer.from(c);
    }
    const out: SseEvent[] = [];
    for await (const e of sseEvents('Upstream', body(), { maxEventBytes: 1 << 20 })) out.push(e);
    return out;
  }

  it('names each event by its event field, which does not carry over to the next event', async () => {
    const got = await events(['event: image_generation.partial_image\ndata: {"a":1}\n\n', 'data: {"b":2}\n\nevent: lonely\n\ndata: {"c":3}\n\n']);
    expect(got.map((e) => [e.event, e.data.toString()])).toEqual([
      ['image_generation.partial_image', '{"a":1}'],
      [undefined, '{"b":2}'],
      [undefined, '{"c":3}'],
    ]);
  });

  it('hands the data over as bytes, joined across the chunks it arrived in', async () => {
    const [e] = await events(['event: x\ndata: ', '{"b64_json":"QUJD"}', '\n\n']);
    expect(Buffer.isBuffer(e!.data)).toBe(true);
    expect(e!.data.toString()).toBe('{"b64_json":"QUJD"}');
  });
});
