/** The SSE response body: named events for image streams, their base64 written as the bytes it is held in. */
import { describe, expect, it } from 'vitest';
import { Base64Bytes } from '../../src/bytes/index.js';
import { SseWriter } from '../../src/server/sse-writer.js';

/** Base64 held as bytes that refuses to become a string: writing it must splice its bytes. */
class NoString extends Base64Bytes {
  override toString(): string {
    throw new Error('made a string of the image');
  }
}

async function written(sse: SseWriter): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of sse.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('SseWriter', () => {
  it('writes a named event with base64 held as bytes spliced in, never made a string', async () => {
    const sse = new SseWriter(0);
    sse.named('image_generation.partial_image', {
      type: 'image_generation.partial_image',
      b64_json: new NoString(Buffer.from('QUJD')),
      partial_image_index: 0,
    });
    sse.close();
    expect(await written(sse)).toBe(
      'event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"QUJD","partial_image_index":0}\n\n',
    );
  });

  it('keeps named events in the transcript for replays, and chat data events and [DONE] as before', async () => {
    const sse = new SseWriter(0, { record: true });
    sse.named('error', { error: { code: 'upstream_error' } });
    sse.event({ a: 1 });
    sse.end();
    const text = await written(sse);
    expect(text).toBe('event: error\ndata: {"error":{"code":"upstream_error"}}\n\ndata: {"a":1}\n\ndata: [DONE]\n\n');
    expect(sse.text()).toBe(text);
  });
});
