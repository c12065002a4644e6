/** The upstream SSE reader: events however the bytes are cut into chunks, every line-end style, and its size cap. */
import { describe, expect, it } from 'vitest';
import { sseData } from '../../src/providers/sse.js';

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
