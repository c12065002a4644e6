/**
 * Upstream bodies are read into pooled buffers, and a buffered b64 reply is written in place inside that
 * buffer (bytes/body-pool.ts, bytes/json-bytes.ts). (A b64 reply is buffered when it is kept for an
 * Idempotency-Key; without one its image is passed through as it arrives, server/pass-through-reply.ts.) A buffer that went back to the pool too early would show one
 * client another client's image: these tests run many concurrent, interleaved requests, each with its own
 * large image, and check every client got exactly its own bytes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledBytes } from '../../src/bytes/body-pool.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A 640 KB "image" whose bytes say which prompt it answers. Its reply (~850 KB of JSON) is well above the
 * pool's smallest buffer, and 24 of them fit the pool's idle cap, so every round reuses buffers. (At 3 MB the
 * file moved ~300 MB through the idempotency store and outlived its time limit on a busy machine.)
 */
function imageFor(prompt: string): Buffer {
  const body = Buffer.alloc(640 * 1024, prompt);
  return Buffer.concat([PNG_MAGIC, body]);
}

let upstream: Server;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  // An OpenAI-shaped upstream that answers after a random delay, so answers finish out of order.
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { prompt } = JSON.parse(Buffer.concat(chunks).toString()) as { prompt: string };
      const body = Buffer.from(
        JSON.stringify({
          created: 1,
          data: [{ b64_json: imageFor(prompt).toString('base64') }],
          usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
        }),
      );
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body), Math.random() * 20);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  gw = await startGateway({ env: { OPENAI_API_KEY: 'sk-fake', OPENAI_BASE_URL: url } });
  ({ key } = await gw.clientKey({ balance: 1_000_000_000 }));
});
afterAll(async () => {
  await gw?.close();
  await new Promise((r) => upstream?.close(r));
});

async function generate(prompt: string, format: 'b64_json' | 'url', opts: { idempotencyKey?: string } = {}): Promise<Buffer> {
  const headers: Record<string, string> = opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {};
  const res = await postJson(
    `${gw.url}/v1/images/generations`,
    key,
    { model: 'gpt-image-1', prompt, ...(format === 'url' ? { response_format: 'url' } : {}) },
    headers,
  );
  expect(res.status).toBe(200);
  const item = (res.body as { data: Array<{ b64_json?: string; url?: string }> }).data[0]!;
  if (format === 'b64_json') return Buffer.from(item.b64_json!, 'base64');
  return Buffer.from(await (await fetch(item.url!)).arrayBuffer());
}

describe('pooled upstream bodies', () => {
  it('give each of 3 × 24 concurrent buffered b64 clients exactly its own image, while buffers are reused', async () => {
    for (let round = 0; round < 3; round++) {
      const prompts = Array.from({ length: 24 }, (_, i) => `r${round}-client-${i}`);
      const images = await Promise.all(prompts.map((p) => generate(p, 'b64_json', { idempotencyKey: `idem-${p}` })));
      for (const [i, img] of images.entries()) expect(img.equals(imageFor(prompts[i]!)), prompts[i]).toBe(true);
    }
    // The buffers did go back to the pool (so the rounds above did reuse them).
    expect(pooledBytes()).toBeGreaterThan(0);
  });

  it('pass each of 24 concurrent b64 clients exactly its own image as it arrives', async () => {
    const prompts = Array.from({ length: 24 }, (_, i) => `through-${i}`);
    const images = await Promise.all(prompts.map((p) => generate(p, 'b64_json')));
    for (const [i, img] of images.entries()) expect(img.equals(imageFor(prompts[i]!)), prompts[i]).toBe(true);
  });

  it('store each of 24 concurrent url clients its own image, with b64 clients interleaved', async () => {
    const prompts = Array.from({ length: 24 }, (_, i) => `mixed-${i}`);
    const images = await Promise.all(prompts.map((p, i) => generate(p, i % 2 ? 'url' : 'b64_json')));
    for (const [i, img] of images.entries()) expect(img.equals(imageFor(prompts[i]!)), prompts[i]).toBe(true);
  });
});
