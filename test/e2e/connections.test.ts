/**
 * The connection level under hostile clients, over raw sockets: requests refused before their body was
 * read end their connection, slow headers and bodies are cut off, open connections are capped, and the
 * errors Node and Fastify raise themselves come in the OpenAI shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { RawConnection } from '../support/raw-http.js';

const BOUNDARY = 'xXxBoundaryxXx';

function head(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: 'gateway', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A multipart edit whose `image` comes as a text field, followed by a file part of `fileBytes`. */
function editWithImageAsText(fileBytes: number): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nlocal\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"\r\n\r\nnot a file\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image[]"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    Buffer.alloc(fileBytes, 7),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

describe('requests refused before their body was read', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startGateway();
    ({ key } = await gw.clientKey({ balance: 1_000_000 }));
  });
  afterAll(() => gw?.close());

  it('answers a bad key at once and closes the connection instead of waiting for the rest of the body', async () => {
    const c = await RawConnection.open(gw.url);
    c.write(`${head('/v1/images/generations', { authorization: 'Bearer sk-wrong', 'content-type': 'application/json', 'content-length': 100_000 })}{"model":`);
    const res = await c.response(2000);
    expect(res?.status).toBe(401);
    expect(res?.headers.connection).toBe('close');
    expect(await c.closesWithin(1000)).toBe(true);
  });

  it('answers a multipart edit refused mid-body promptly and closes its connection', async () => {
    const c = await RawConnection.open(gw.url);
    const body = editWithImageAsText(1024 * 1024);
    c.write(
      head('/v1/images/edits', { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length }),
    );
    c.write(body);
    const started = Date.now();
    const res = await c.response(3000);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res!.body).error.param).toBe('image');
    expect(await c.closesWithin(1000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers a body over the size limit with 413 and closes the connection', async () => {
    const small = await startGateway({ env: { IMAGEGATE_BODY_LIMIT_BYTES: '1000' } });
    try {
      const small_key = (await small.clientKey()).key;
      const c = await RawConnection.open(small.url);
      c.write(
        `${head('/v1/images/generations', { authorization: `Bearer ${small_key}`, 'content-type': 'application/json', 'content-length': 5000 })}{"model":"local",`,
      );
      const res = await c.response(2000);
      expect(res?.status).toBe(413);
      expect(JSON.parse(res!.body).error.code).toBe('payload_too_large');
      expect(await c.closesWithin(1000)).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('keeps the connection usable after a 4xx to a request whose body was read', async () => {
    const c = await RawConnection.open(gw.url);
    const body = '{"model":"local","prompt":"x","size":"65x65x"}';
    for (let i = 0; i < 2; i++) {
      c.write(head('/v1/images/generations', { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.length }) + body);
      const res = await c.response(2000);
      expect(res?.status).toBe(400);
      expect(res?.headers.connection).not.toBe('close');
    }
    expect(c.isClosed).toBe(false);
    c.close();
  });
});

describe('slow clients', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startGateway({ env: { IMAGEGATE_HEADERS_TIMEOUT_MS: '400', IMAGEGATE_BODY_TIMEOUT_MS: '1200', IMAGEGATE_BODY_IDLE_TIMEOUT_MS: '300' } });
    ({ key } = await gw.clientKey({ balance: 1_000_000 }));
  });
  afterAll(() => gw?.close());

  it('answers 408 in the OpenAI shape and closes when a body pauses longer than the idle limit', async () => {
    const c = await RawConnection.open(gw.url);
    c.write(`${head('/v1/images/generations', { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': 1000 })}{`);
    const res = await c.response(2000);
    expect(res?.status).toBe(408);
    expect(JSON.parse(res!.body).error).toMatchObject({ code: 'request_timeout', type: 'invalid_request_error' });
    expect(await c.closesWithin(1000)).toBe(true);
  });

  it('cuts off a body that trickles within the idle limit but past the body time limit', async () => {
    const c = await RawConnection.open(gw.url);
    c.write(head('/v1/images/generations', { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': 1000 }));
    const trickle = setInterval(() => c.write(' '), 100);
    const started = Date.now();
    try {
      expect(await c.closesWithin(4000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('answers 408 in the OpenAI shape when the headers do not arrive in time', async () => {
    const c = await RawConnection.open(gw.url);
    c.write('POST /v1/images/generations HTTP/1.1\r\nhost: gateway\r\n');
    const res = await c.response(3000);
    expect(res?.status).toBe(408);
    expect(JSON.parse(res!.body).error.code).toBe('request_timeout');
    expect(await c.closesWithin(1000)).toBe(true);
  });

  it('does not cut off a request whose answer takes longer than the idle limit', async () => {
    const body = JSON.stringify({ model: 'local', prompt: 'slow', size: '1024x1024', n: 3 });
    const c = await RawConnection.open(gw.url);
    c.write(head('/v1/images/generations', { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.length }) + body);
    const res = await c.response(20_000);
    expect(res?.status).toBe(200);
    c.close();
  });
});

describe('the connection cap', () => {
  it('closes connections beyond IMAGEGATE_MAX_CONNECTIONS at once and accepts again when one closes', async () => {
    const gw = await startGateway({ env: { IMAGEGATE_MAX_CONNECTIONS: '3' } });
    try {
      const held = await Promise.all([1, 2, 3].map(() => RawConnection.open(gw.url)));
      await new Promise((r) => setTimeout(r, 50));
      const extra = await RawConnection.open(gw.url);
      expect(await extra.closesWithin(1000)).toBe(true);
      held[0]!.close();
      await new Promise((r) => setTimeout(r, 50));
      const next = await RawConnection.open(gw.url);
      next.write('GET /healthz HTTP/1.1\r\nhost: gateway\r\n\r\n');
      expect((await next.response(2000))?.status).toBe(200);
      for (const c of [...held, next]) c.close();
    } finally {
      await gw.close();
    }
  });
});

describe('errors raised below the routes', () => {
  let gw: TestGateway;
  let key: string;
  beforeAll(async () => {
    gw = await startGateway();
    ({ key } = await gw.clientKey());
  });
  afterAll(() => gw?.close());

  it('answers an over-long path parameter with 414 in the OpenAI shape', async () => {
    const res = await fetch(`${gw.url}/v1/tasks/task_${'a'.repeat(300)}`, { headers: { authorization: 'Bearer sk-whatever' } });
    expect(res.status).toBe(414);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'uri_too_long', type: 'invalid_request_error', param: null });
  });

  it('answers headers over the size limit with 431 in the OpenAI shape', async () => {
    const c = await RawConnection.open(gw.url);
    c.write(`GET /v1/models HTTP/1.1\r\nhost: gateway\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const res = await c.response(2000);
    expect(res?.status).toBe(431);
    expect(JSON.parse(res!.body).error.code).toBe('header_fields_too_large');
  });

  it('answers a malformed request line with 400 in the OpenAI shape', async () => {
    const c = await RawConnection.open(gw.url);
    c.write('NOT HTTP AT ALL\r\n\r\n');
    const res = await c.response(2000);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res!.body).error.code).toBe('invalid_request');
  });

  it('echoes no more than a short excerpt of an unknown path', async () => {
    const res = await fetch(`${gw.url}/${'x'.repeat(5000)}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as any;
    expect(res.status).toBe(404);
    expect(body.error.message.length).toBeLessThan(200);
  });
});
