import type { LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError, invalidRequest } from '../../src/domain/errors.js';
import { type SafeFetchOptions, safeFetch } from '../../src/net/safe-fetch.js';
import { HttpFake, sendJson } from '../fakes/http-fake.js';

const PARAM = 'image_urls[1]';
const IMAGE = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const MAX = 1000;

/** Writes `chunk` every `everyMs` until the client goes away or `total` bytes were sent. */
function drip(res: import('node:http').ServerResponse, chunk: Buffer, everyMs: number, total = Infinity): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= total) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        resolve();
        return;
      }
      res.write(chunk);
      sent += chunk.length;
    }, everyMs);
    res.on('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
}

function imageServer(): HttpFake {
  return new HttpFake([
    {
      method: 'GET',
      path: /^\/img$/,
      handle: (_q, res) => void res.writeHead(200, { 'content-type': 'image/png', 'content-length': IMAGE.length }).end(IMAGE),
    },
    { method: 'GET', path: /^\/html$/, handle: (_q, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an image</html>') },
    { method: 'GET', path: /^\/missing$/, handle: (_q, res) => sendJson(res, 404, { error: 'no such image' }) },
    { method: 'GET', path: /^\/redirect$/, handle: (q, res) => void res.writeHead(302, { location: q.query.get('to') ?? '/img' }).end() },
    // /hop/N redirects N times before the image.
    {
      method: 'GET',
      path: /^\/hop\/(\d+)$/,
      handle: (_q, res, m) =>
        void (Number(m[1]) === 0
          ? res.writeHead(200, { 'content-type': 'image/png' }).end(IMAGE)
          : res.writeHead(301, { location: `/hop/${Number(m[1]) - 1}` }).end()),
    },
    // Declares a body far over the cap, then sends it slowly: only an early refusal beats the time limit.
    { method: 'GET', path: /^\/huge-declared$/, handle: (_q, res) => (res.writeHead(200, { 'content-length': 50_000_000 }), drip(res, Buffer.alloc(10), 200)) },
    // No Content-Length, chunks forever: only cutting the stream at the cap ends it before the time limit.
    { method: 'GET', path: /^\/huge-chunked$/, handle: (_q, res) => (res.writeHead(200, { 'content-type': 'image/png' }), drip(res, Buffer.alloc(300), 5)) },
    { method: 'GET', path: /^\/exact$/, handle: (_q, res) => void res.writeHead(200).end(Buffer.alloc(MAX, 7)) },
    { method: 'GET', path: /^\/drip$/, handle: (_q, res) => (res.writeHead(200, { 'content-type': 'image/png' }), drip(res, Buffer.from('x'), 50)) },
    { method: 'GET', path: /^\/hang$/, handle: () => new Promise<void>(() => undefined) },
    { method: 'POST', path: /^\/hook$/, handle: (q, res) => void res.writeHead(Number(q.query.get('status') ?? 204)).end() },
    { method: 'POST', path: /^\/hook-moved$/, handle: (_q, res) => void res.writeHead(302, { location: '/hook' }).end() },
  ]);
}

let server: HttpFake;
let other: HttpFake;
let port: number;
let otherPort: number;
const portOf = (f: HttpFake) => Number(new URL(f.url).port);

beforeAll(async () => {
  server = await imageServer().start();
  other = await imageServer().start();
  port = portOf(server);
  otherPort = portOf(other);
});
afterAll(async () => {
  await server.close();
  await other.close();
});
beforeEach(() => {
  server.reset();
  other.reset();
});

const opts = (over: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({
  param: PARAM,
  allowlist: [`127.0.0.1:${port}`],
  maxBytes: MAX,
  timeoutMs: 5_000,
  ...over,
});

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(GatewayError);
  const err = outcome as GatewayError;
  expect(err.toBody().error).toMatchObject({ code: 'invalid_request', param: PARAM });
  expect(err.message.startsWith(`${PARAM}: `)).toBe(true);
  return err;
}

/** A resolver that answers from a script and counts its calls. */
function scriptedLookup(answers: Record<string, Array<string[]>>) {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const script = answers[host];
    if (!script) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const answer = script[Math.min(calls.filter((h) => h === host).length - 1, script.length - 1)]!;
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, calls };
}

describe('safeFetch: allowlist and address rules', () => {
  it('fetches a loopback server when 127.0.0.1:<port> is allowlisted', async () => {
    const r = await safeFetch(`http://127.0.0.1:${port}/img`, opts());
    expect(r.bytes.equals(IMAGE)).toBe(true);
    expect(r).toMatchObject({ status: 200, contentType: 'image/png', finalUrl: `http://127.0.0.1:${port}/img` });
    expect(server.requestsTo('/img')).toHaveLength(1);
  });

  it('refuses the same loopback server without the allowlist and never connects to it', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/img`, opts({ allowlist: [] })));
    expect(err.message).toBe(`${PARAM}: the URL points to 127.0.0.1, a loopback address; only public http(s) URLs are allowed.`);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses localhost because it resolves to a loopback address (system resolver)', async () => {
    const err = await refusal(safeFetch(`http://localhost:${port}/img`, opts({ allowlist: [] })));
    expect(err.message).toMatch(/the host localhost resolves to a loopback address, which is not allowed here; only public http\(s\) URLs are allowed\.$/);
    expect(err.message).not.toMatch(/127\.0\.0\.1|::1/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a host when any one of its addresses is private, even if the first is public', async () => {
    const { lookup } = scriptedLookup({ 'mixed.test': [['93.184.216.34', '10.0.0.5']] });
    const err = await refusal(safeFetch(`http://mixed.test:${port}/img`, opts({ allowlist: [], lookup })));
    expect(err.message).toBe(`${PARAM}: the host mixed.test resolves to a private address, which is not allowed here; only public http(s) URLs are allowed.`);
  });

  it('names no address from a DNS answer, not even an IPv4 address embedded in an IPv6 one', async () => {
    const { lookup } = scriptedLookup({ 'mapped.test': [['::ffff:127.0.0.1']] });
    const err = await refusal(safeFetch(`http://mapped.test:${port}/img`, opts({ allowlist: [], lookup })));
    expect(err.message).toContain('resolves to an IPv4-mapped address embedding an IPv4 address that is a loopback address, which is not allowed here');
    expect(err.message).not.toMatch(/127\.0\.0\.1|::ffff/);
  });

  it('reports a host that does not resolve', async () => {
    const { lookup } = scriptedLookup({});
    const err = await refusal(safeFetch('http://nowhere.test/img', opts({ lookup })));
    expect(err.message).toBe(`${PARAM}: the host nowhere.test could not be resolved (ENOTFOUND).`);
  });

  it('refuses URL-shape violations before any lookup', async () => {
    const { lookup, calls } = scriptedLookup({ 'example.test': [['93.184.216.34']] });
    expect((await refusal(safeFetch('ftp://example.test/a.png', opts({ lookup })))).message).toMatch(/ftp: scheme/);
    expect((await refusal(safeFetch('http://u:p@example.test/a.png', opts({ lookup })))).message).toMatch(/credentials/);
    expect(calls).toHaveLength(0);
  });
});

describe('safeFetch: DNS rebinding', () => {
  it('connects to the address it resolved itself: an allowlisted name known only to the injected resolver is fetched, with its own Host header', async () => {
    // "pinned.test" exists in no real DNS, so success proves the socket used our lookup's answer.
    const { lookup, calls } = scriptedLookup({ 'pinned.test': [['127.0.0.1'], ['10.9.9.9']] });
    const r = await safeFetch(`http://pinned.test:${port}/img`, opts({ allowlist: [`pinned.test:${port}`], lookup }));
    expect(r.bytes.equals(IMAGE)).toBe(true);
    expect(calls).toEqual(['pinned.test']);
    expect(server.requestsTo('/img')[0]!.headers.host).toBe(`pinned.test:${port}`);
  });

  it('resolves once and never reaches 127.0.0.1 when the resolver answers public first and loopback second', async () => {
    const { lookup, calls } = scriptedLookup({ 'rebind.test': [['93.184.216.34'], ['127.0.0.1']] });
    const outcome = await safeFetch(`http://rebind.test:${port}/img`, opts({ allowlist: [], lookup, timeoutMs: 1_500 })).then(
      (r) => r,
      (e: unknown) => e,
    );
    // The connection went to the checked public address (unreachable here), not to the loopback server.
    expect(calls).toEqual(['rebind.test']);
    expect(server.requests).toHaveLength(0);
    expect(outcome instanceof GatewayError ? outcome.param : 'resolved').toBe(PARAM);
  });

  it('refuses outright when the first answer is already loopback', async () => {
    const { lookup } = scriptedLookup({ 'rebind.test': [['127.0.0.1'], ['93.184.216.34']] });
    const err = await refusal(safeFetch(`http://rebind.test:${port}/img`, opts({ allowlist: [], lookup })));
    expect(err.message).toMatch(/the host rebind\.test resolves to a loopback address, which is not allowed here/);
    expect(err.message).not.toContain('127.0.0.1');
    expect(server.requests).toHaveLength(0);
  });
});

describe('safeFetch: redirects', () => {
  it('follows a redirect within the allowlist and reports the final URL', async () => {
    const r = await safeFetch(`http://127.0.0.1:${port}/redirect?to=/img`, opts());
    expect(r.bytes.equals(IMAGE)).toBe(true);
    expect(r.finalUrl).toBe(`http://127.0.0.1:${port}/img`);
  });

  it('refuses a redirect from an allowlisted server to a private address', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent('http://10.0.0.1/x?token=secret')}`, opts()));
    expect(err.message).toBe(
      `${PARAM}: redirect to http://10.0.0.1/x refused: the URL points to 10.0.0.1, a private address; only public http(s) URLs are allowed.`,
    );
    expect(err.message).not.toContain('secret');
  });

  it('refuses a redirect to localhost on a port that is not allowlisted, and never contacts it', async () => {
    const to = `http://localhost:${otherPort}/img`;
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(to)}`, opts()));
    expect(err.message).toMatch(
      new RegExp(`redirect to http://localhost:${otherPort}/img refused: the host localhost resolves to a loopback address, which is not allowed here`),
    );
    expect(other.requests).toHaveLength(0);
  });

  it('re-resolves a redirect target host and refuses it when it resolves to a private address', async () => {
    const { lookup } = scriptedLookup({ 'evil.test': [['10.0.0.1']] });
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent('http://evil.test/img')}`, opts({ lookup })));
    expect(err.message).toMatch(/redirect to http:\/\/evil\.test\/img refused: the host evil\.test resolves to a private address, which is not allowed here/);
    expect(err.message).not.toContain('10.0.0.1');
  });

  it('follows exactly 3 redirects by default and refuses a 4th', async () => {
    const ok = await safeFetch(`http://127.0.0.1:${port}/hop/3`, opts());
    expect(ok.finalUrl).toBe(`http://127.0.0.1:${port}/hop/0`);
    server.reset();
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/hop/4`, opts()));
    expect(err.message).toMatch(/redirected more than 3 times/);
    expect(server.requests.map((r) => r.path)).toEqual(['/hop/4', '/hop/3', '/hop/2', '/hop/1']);
  });

  it('honours a smaller maxRedirects', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/hop/1`, opts({ maxRedirects: 0 })));
    expect(err.message).toMatch(/redirected more than 0 times/);
  });

  it('sends caller headers to the named origin but not to a redirect target on another origin', async () => {
    const allowlist = [`127.0.0.1:${port}`, `127.0.0.1:${otherPort}`];
    await safeFetch(
      `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${otherPort}/img`)}`,
      opts({ allowlist, headers: { 'x-signature': 'sig' } }),
    );
    expect(server.requestsTo('/redirect')[0]!.headers['x-signature']).toBe('sig');
    expect(other.requestsTo('/img')[0]!.headers['x-signature']).toBeUndefined();
  });
});

describe('safeFetch: size, time and status', () => {
  it('accepts a body of exactly maxBytes', async () => {
    expect((await safeFetch(`http://127.0.0.1:${port}/exact`, opts())).bytes.length).toBe(MAX);
  });

  it('refuses a declared Content-Length over the cap without waiting for the body', async () => {
    const started = Date.now();
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/huge-declared`, opts({ timeoutMs: 3_000 })));
    expect(err.message).toBe(`${PARAM}: the response from http://127.0.0.1:${port}/huge-declared is larger than ${MAX} bytes, the most accepted here.`);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('cuts off an undeclared (chunked) body as soon as it passes the cap', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/huge-chunked`, opts({ timeoutMs: 3_000 })));
    expect(err.message).toMatch(new RegExp(`is larger than ${MAX} bytes`));
  });

  it('fails a slow-drip body with a timeout error within the time limit', async () => {
    const started = Date.now();
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/drip`, opts({ timeoutMs: 400 })));
    expect(err.message).toBe(`${PARAM}: fetching the URL did not finish within 400 ms.`);
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it('fails a server that never answers with the same timeout error', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/hang`, opts({ timeoutMs: 300 })));
    expect(err.message).toBe(`${PARAM}: fetching the URL did not finish within 300 ms.`);
  });

  it('reports cancellation by the caller signal separately from a timeout', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/hang`, opts({ signal: ctl.signal })));
    expect(err.message).toBe(`${PARAM}: fetching the URL was cancelled.`);
  });

  it('refuses a non-2xx answer to GET, naming the status', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/missing`, opts()));
    expect(err.message).toBe(`${PARAM}: http://127.0.0.1:${port}/missing returned HTTP 404.`);
  });

  it('reports a refused connection in words', async () => {
    const closed = await imageServer().start();
    const deadPort = portOf(closed);
    await closed.close();
    const err = await refusal(safeFetch(`http://127.0.0.1:${deadPort}/img`, opts({ allowlist: [`127.0.0.1:${deadPort}`] })));
    expect(err.message).toBe(`${PARAM}: the URL could not be fetched: the connection was refused (ECONNREFUSED).`);
  });
});

describe('safeFetch: content check hook', () => {
  it('propagates the GatewayError thrown by the accept hook unchanged', async () => {
    const mine = invalidRequest(PARAM, `${PARAM}: the URL did not return an image.`);
    const err = await refusal(
      safeFetch(
        `http://127.0.0.1:${port}/html`,
        opts({
          accept: (bytes) => {
            if (bytes[0] !== 0x89) throw mine;
          },
        }),
      ),
    );
    expect(err).toBe(mine);
  });

  it('hands the hook the bytes and content type, and wraps a plain Error as invalid_request', async () => {
    const seen: Array<string | undefined> = [];
    const err = await refusal(
      safeFetch(
        `http://127.0.0.1:${port}/html`,
        opts({
          accept: (bytes, type) => {
            seen.push(type, bytes.toString());
            throw new Error('not an image');
          },
        }),
      ),
    );
    expect(seen).toEqual(['text/html', '<html>not an image</html>']);
    expect(err.message).toBe(`${PARAM}: the content was refused: not an image.`);
  });
});

describe('safeFetch: POST for webhooks', () => {
  it('sends the body and headers and returns a non-2xx status instead of throwing', async () => {
    const r = await safeFetch(
      `http://127.0.0.1:${port}/hook?status=500`,
      opts({ param: 'callback_url', method: 'POST', body: '{"id":"task_1"}', headers: { 'content-type': 'application/json' } }),
    );
    expect(r.status).toBe(500);
    const got = server.requestsTo('/hook')[0]!;
    expect(got.body.toString()).toBe('{"id":"task_1"}');
    expect(got.headers['content-type']).toBe('application/json');
  });

  it('does not follow a redirect for POST; the 302 is returned', async () => {
    const r = await safeFetch(`http://127.0.0.1:${port}/hook-moved`, opts({ method: 'POST', body: '{}' }));
    expect(r.status).toBe(302);
    expect(server.requestsTo('/hook')).toHaveLength(0);
  });
});

describe('safeFetch: TLS', () => {
  const fixtures = new URL('./fixtures/', import.meta.url);
  const cert = readFileSync(new URL('localhost-cert.pem', fixtures));
  const key = readFileSync(new URL('localhost-key.pem', fixtures));
  let tls: HttpsServer;
  let tlsPort: number;
  const servernames: string[] = [];

  beforeAll(async () => {
    const context = createSecureContext({ cert, key });
    tls = createHttpsServer({ cert, key, SNICallback: (name, cb) => (servernames.push(name), cb(null, context)) }, (_req, res) => res.end(IMAGE));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    tlsPort = (tls.address() as AddressInfo).port;
  });
  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise((r) => tls.close(r));
  });

  it('keeps certificate verification and SNI for the real host name while connecting to the pinned address', async () => {
    const { lookup } = scriptedLookup({ localhost: [['127.0.0.1']] });
    const err = await refusal(safeFetch(`https://localhost:${tlsPort}/img`, opts({ allowlist: [`localhost:${tlsPort}`], lookup })));
    // The self-signed certificate is refused: verification was not switched off to make pinning work.
    expect(err.message).toBe(`${PARAM}: the URL could not be fetched: its TLS certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT).`);
    expect(servernames).toEqual(['localhost']);
  });
});
