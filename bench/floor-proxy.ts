/**
 * The floor the benchmark compares imagegate against besides nginx: the least a Node.js process can do to
 * relay the same request — node:http in, one undici request out, the upstream body read into one buffer
 * and written back. No auth, no parsing, no database. Whatever imagegate adds is measured above this.
 * Run as a child process: `node --import tsx bench/floor-proxy.ts <port> <upstreamPort>`.
 */
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const [port, upstreamPort] = [Number(process.argv[2]), Number(process.argv[3])];
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });

createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const up = await request(`http://127.0.0.1:${upstreamPort}${req.url}`, {
    method: 'POST',
    body: Buffer.concat(chunks),
    headers: { 'content-type': 'application/json' },
    dispatcher: agent,
  });
  const length = Number(up.headers['content-length']);
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  for await (const c of up.body) at += (c as Buffer).copy(body, at);
  res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': length });
  res.end(body);
}).listen(port, '127.0.0.1', () => process.send?.({ ready: true }));
