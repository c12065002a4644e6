/**
 * A TLS fake upstream speaking HTTP/2 and HTTP/1.1 (ALPN picks), for bench/h2-probe.ts: answers every POST
 * after a delay with the bench's 2 MB `b64_json` body and counts the TCP connections it accepted.
 * Run as `node --import tsx bench/h2-upstream.ts <port> <key file> <cert file> <delayMs>`.
 */
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';

const [port, keyFile, certFile, delayMs] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!, Number(process.argv[5] ?? 0)];
// The same shape and size as bench/upstream.ts's b64 answer; the bytes need not be a real PNG here.
const payload = Buffer.from(
  JSON.stringify({ created: 1_700_000_000, data: [{ b64_json: Buffer.alloc(1_580_000, 7).toString('base64') }], usage: { total_tokens: 282 } }),
);
let connections = 0;
const server = createSecureServer({ key: readFileSync(keyFile), cert: readFileSync(certFile), allowHTTP1: true }, (req, res) => {
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length });
      res.end(payload);
    }, delayMs),
  );
});
server.on('secureConnection', () => connections++);
process.on('message', () => process.send?.({ connections }));
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.send?.({ ready: true }));
