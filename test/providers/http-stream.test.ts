/**
 * openUpstreamStream: a streamed upstream answer read through undici's dispatch, at the reader's pace, with
 * the same error mapping as buffered calls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callContext } from './builders.js';
import { GatewayError } from '../../src/domain/errors.js';
import { openUpstreamStream } from '../../src/providers/http-stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: Server;
let base: string;
/** Per path: how the fake upstream answers. */
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
/** Bytes the fake managed to hand its socket per path, before it had to wait for the reader. */
const written = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const get = (path: string) => ({ method: 'GET' as const, url: `${base}${path}` });

/** Writes `n` chunks of `size` bytes as fast as the socket takes them, counting what it wrote. */
function stream(path: string, n: number, size: number) {
  routes.set(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let i = 0;
    written.set(path, 0);
    const more = () => {
      while (i < n) {
        i++;
        written.set(path, written.get(path)! + size);
        if (!res.write(Buffer.alloc(size, i % 256))) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
}

describe('openUpstreamStream', () => {
  it('gives the status and headers, then every chunk in order to the reader', async () => {
    stream('/ordered', 50, 1000);
    const up = await openUpstreamStream('Fake', get('/ordered'), callContext());
    expect(up.status).toBe(200);
    expect(up.header('Content-Type')).toBe('application/octet-stream');
    const bytes: number[] = [];
    await up.eachChunk((chunk) => {
      for (let i = 0; i < chunk.length; i += 1000) bytes.push(chunk[i]!);
      return undefined;
    });
    expect(bytes.length).toBe(50);
    expect(bytes).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) % 256));
  });

  it('reads no faster than the reader: while its promise is pending, the upstream is held back', async () => {
    // 64 MB offered; socket buffers on loopback hold a few MB at most.
    stream('/held', 1024, 64 * 1024);
    const up = await openUpstreamStream('Fake', get('/held'), callContext());
    let release!: () => void;
    let first = true;
    const reading = up.eachChunk(() => {
      if (!first) return undefined;
      first = false;
      return new Promise<void>((r) => (release = r));
    });
    await sleep(300);
    expect(written.get('/held')!).toBeLessThan(16 * 1024 * 1024);
    release();
    await reading;
    expect(written.get('/held')).toBe(64 * 1024 * 1024);
  });

  it("ends the read with the reader's own error, as it is, and lets the connection go", async () => {
    stream('/refused', 200, 64 * 1024);
    const up = await openUpstreamStream('Fake', get('/refused'), callContext());
    const mine = new Error('too much for me');
    await expect(
      up.eachChunk(() => {
        throw mine;
      }),
    ).rejects.toBe(mine);
  });

  it('cuts whole() at 1 MB instead of holding a huge error body', async () => {
    stream('/huge-error', 64, 64 * 1024);
    const up = await openUpstreamStream('Fake', get('/huge-error'), callContext());
    const res = await up.whole();
    expect(res.body.length).toBeLessThanOrEqual(1024 * 1024);
    expect(res.body.length).toBeGreaterThan(900 * 1024);
  });

  it('reads a small answer whole, as bytes and as JSON', async () => {
    routes.set('/small', (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}'));
    const res = await (await openUpstreamStream('Fake', get('/small'), callContext())).whole();
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: { message: 'no' } });
  });

  it('turns a connection cut mid-body into a retryable upstream_error', async () => {
    routes.set('/cut', (_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.destroy(), 20);
    });
    const up = await openUpstreamStream('Fake', get('/cut'), callContext());
    const err = (await up.eachChunk(() => undefined).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('upstream_error');
    expect(err.retryable).toBe(true);
  });

  it('fails as cancelled, not retryable, when the client leaves before the answer starts', async () => {
    routes.set('/slow', () => {});
    const client = new AbortController();
    setTimeout(() => client.abort(new Error('client gone')), 30);
    const err = (await openUpstreamStream('Fake', get('/slow'), callContext(10_000, { signal: client.signal })).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.message).toMatch(/cancelled/);
    expect(err.retryable).toBe(false);
  });

  it('fails as a timeout when the answer does not start within the deadline', async () => {
    routes.set('/silent', () => {});
    const err = (await openUpstreamStream('Fake', get('/silent'), callContext(100)).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.message).toMatch(/time/i);
    expect(err.retryable).toBe(true);
  });

  it('iterates the body for event parsers, and stops reading when the loop leaves early', async () => {
    stream('/events', 400, 64 * 1024);
    const up = await openUpstreamStream('Fake', get('/events'), callContext());
    let seen = 0;
    for await (const chunk of up.body) {
      seen += chunk.length;
      if (seen >= 256 * 1024) break;
    }
    await sleep(100);
    expect(written.get('/events')!).toBeLessThan(400 * 64 * 1024);
  });

  it('fails a URL that does not parse as an upstream_error, like any transport failure', async () => {
    const err = (await openUpstreamStream('Fake', { method: 'GET', url: 'not a url' }, callContext()).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('upstream_error');
  });

  it('refuses a second reader of the same body', async () => {
    stream('/twice', 2, 10);
    const up = await openUpstreamStream('Fake', get('/twice'), callContext());
    const first = up.eachChunk(() => undefined);
    await expect(up.eachChunk(() => undefined)).rejects.toThrow(/already being read/);
    await first;
  });
});
