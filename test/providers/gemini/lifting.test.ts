/**
 * A large inline image is lifted out of Gemini's reply as the bytes that arrived (bytes/json-bytes.ts): it is
 * never parsed into a string, so the reply can splice it in as it is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Base64Bytes } from '../../../src/bytes/base64.js';
import { createGeminiAdapter } from '../../../src/providers/gemini/adapter.js';
import { callContext, job, routeTo } from './job.js';

const IMAGE = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200_000, 7)]).toString('base64');
let server: Server;

beforeAll(async () => {
  server = createServer((_req, res) => {
    const parts = [{ text: 'here' }, { inlineData: { mimeType: 'image/png', data: IMAGE } }];
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }], responseId: 'r1' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise((r) => server.close(r)));

it('keeps a large inline image as the bytes Gemini sent, not a parsed string', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1beta`;
  const r = await createGeminiAdapter().generate(job(), routeTo(url), callContext());
  const payload = r.images[0]!.payload;
  if (payload.kind !== 'b64') throw new Error('expected base64');
  expect(payload.b64).toBeInstanceOf(Base64Bytes);
  expect(payload.b64.toString()).toBe(IMAGE);
  expect(r.text).toBe('here');
});
