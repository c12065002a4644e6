/**
 * The upstream connection pool has no cap of its own: calls in flight are capped by each provider's
 * max_concurrency alone, so many slow upstream calls run at once instead of queueing silently in the pool.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpstream } from '../../src/providers/http.js';

const CALLS = 400;
let server: ReturnType<typeof createServer>;
let url: string;
const waiting: ServerResponse[] = [];

beforeAll(async () => {
  // Answers no one until all CALLS requests are open at once: a pool capped below CALLS never gets there.
  server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    waiting.push(res);
    if (waiting.length === CALLS) for (const r of waiting.splice(0)) r.end('{"ok":true}');
  });
  server.maxConnections = CALLS + 10;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('upstream connection pool', () => {
  it(`has ${CALLS} calls to one origin in flight at once`, async () => {
    const ctx = { signal: new AbortController().signal, deadline: Date.now() + 20_000 };
    const answers = await Promise.all(Array.from({ length: CALLS }, () => callUpstream('Test', { method: 'GET', url }, ctx)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  }, 30_000);
});
