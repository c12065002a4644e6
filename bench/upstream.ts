/**
 * The benchmark's fake OpenAI upstream: answers POST /v1/images/generations with a pre-serialized body, so
 * the upstream costs the same for every target and nothing in it is measured but a write.
 * Run as a child process: `node --import tsx bench/upstream.ts <port> <kind> [delayMs]`, kind = b64 | url |
 * small; with a delay each answer is held back that long after the request arrived, as a real image model's.
 */
import { createServer } from 'node:http';
import sharp from 'sharp';

async function body(kind: string): Promise<Buffer> {
  let png: Buffer;
  if (kind === 'small') {
    png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
  } else {
    // Noise does not compress: a 1.5 MB PNG, whose base64 is a 2 MB body, as a real image would be.
    const target = 1.5 * 1024 * 1024;
    const side = Math.ceil(Math.sqrt(target / 3));
    const raw = Buffer.alloc(side * side * 3);
    let x = 2463534242;
    for (let i = 0; i < raw.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      raw[i] = x & 0xff;
    }
    png = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
  }
  return Buffer.from(
    JSON.stringify({
      created: 1_700_000_000,
      data: [{ b64_json: png.toString('base64') }],
      size: '1024x1024',
      quality: 'low',
      output_format: 'png',
      usage: { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 272, total_tokens: 282 },
    }),
  );
}

const [port, kind, delayMs] = [Number(process.argv[2]), process.argv[3] ?? 'b64', Number(process.argv[4] ?? 0)];
const payload = await body(kind);
let cut = 0;
// No request or header time limit, and a long keep-alive: Node's 5 s keep-alive timer starts once an answer
// is handed to the kernel, so a client that reads its 2 MB slower than that (a gateway whose own clients are
// slow) had the connection destroyed with bytes unread, which resets it mid-body: 44 of 2 000 answers in the
// first in-flight run.
const server = createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 120_000 }, (req, res) => {
  res.on('close', () => {
    if (!res.writableFinished && cut++ === 0) setTimeout(() => console.error(`fake upstream: ${cut} answers cut before their end`), 5000);
  });
  req.resume();
  req.on('end', () => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length, 'x-request-id': 'req_bench' });
      res.end(payload);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
// Thousands of clients connect at once in the in-flight case: the default backlog (511) would drop SYNs.
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.send?.({ ready: true, bytes: payload.length }));
