/**
 * callUpstream's reading of a whole body (providers/http.ts, through upstream-exchange.ts): into one buffer when
 * the length is declared, joined when it is not, and refused or failed, never silently short, otherwise.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callContext } from './builders.js';
import { GatewayError } from '../../src/domain/errors.js';
import { callUpstream } from '../../src/providers/http.js';

const BODY = Buffer.alloc(3 * 1024 * 1024 + 17, 'imagegate ');
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/declared':
        res.writeHead(200, { 'content-length': BODY.length });
        res.end(BODY);
        return;
      case '/chunked':
        res.writeHead(200);
        // Several writes, so the body arrives in many chunks.
        for (let at = 0; at < BODY.length; at += 100_000) res.write(BODY.subarray(at, at + 100_000));
        res.end();
        return;
      case '/short':
        res.writeHead(200, { 'content-length': BODY.length });
        res.write(BODY.subarray(0, 1024 * 1024), () => res.destroy());
        return;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((r) => server.close(r));
});

const get = (path: string, maxBytes?: number) => callUpstream('the test upstream', { method: 'GET', url: `${base}${path}`, maxBytes }, callContext());

describe('reading a whole upstream body', () => {
  it('reads a body of declared length into one buffer with exactly its bytes', async () => {
    const res = await get('/declared');
    expect(res.status).toBe(200);
    expect(res.body.equals(BODY)).toBe(true);
  });

  it('joins a chunked body of many pieces in order', async () => {
    const res = await get('/chunked');
    expect(res.body.equals(BODY)).toBe(true);
  });

  it('refuses a chunked body over maxBytes as a non-retryable upstream_error', async () => {
    const err = await get('/chunked', 1024 * 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('upstream_error');
    expect((err as GatewayError).message).toContain('larger than 1048576 bytes');
    expect((err as GatewayError).retryable).toBe(false);
  });

  it('refuses a declared length over maxBytes before reading it', async () => {
    const err = await get('/declared', 1024).catch((e: unknown) => e);
    expect((err as GatewayError).message).toContain('larger than 1024 bytes');
  });

  it('fails, retryably, a body cut before its declared length instead of returning it short', async () => {
    const err = await get('/short').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('upstream_error');
    expect((err as GatewayError).retryable).toBe(true);
  });
});
