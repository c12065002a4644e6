/**
 * A b64_json reply passes its image through as the upstream sends it (server/pass-through-reply.ts): the client
 * gets bytes before the upstream's last one, the reply is the same JSON a buffered one would be, and a
 * failure after the first byte cuts the connection, refunds the hold and is logged as that failure.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArkFake, startArkFake } from '../fakes/ark.js';
import { imageSize } from '../fakes/images.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const imageFor = (prompt: string) => Buffer.concat([PNG_MAGIC, Buffer.alloc(1024 * 1024, prompt)]);

/** What the scripted upstream does, chosen by the prompt's first word. */
type Script = 'whole' | 'hold' | 'cut' | 'bad-tail' | 'two' | 'big';

/** The `big` answer's image: large enough that the sockets' buffers on both sides cannot hold it. */
const BIG_IMAGE_BYTES = 48 * 1024 * 1024;
/** Bytes of the `big` answer the upstream has handed to its socket so far. */
let bigSent = 0;
let bigTotal = 0;

let upstream: Server;
let gw: TestGateway;
let upstreamCalls = 0;
/** Lets a `hold` answer finish; set while one is held. */
let releaseHeld: (() => void) | undefined;
let upstreamClosedEarly = false;

function answer(req: IncomingMessage, res: ServerResponse, prompt: string): void {
  const script = prompt.split(' ')[0] as Script;
  const image = imageFor(prompt).toString('base64');
  const head = `{"created":1,"background":"opaque","data":[{"b64_json":"`;
  const tail = `","revised_prompt":"${prompt} (revised)"}],"output_format":"png","size":"1024x1024","usage":{"input_tokens":5,"output_tokens":7,"total_tokens":12}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `up-${upstreamCalls}` });
  const half = image.length >> 1;
  res.once('close', () => {
    if (!res.writableFinished) upstreamClosedEarly = true;
  });
  switch (script) {
    case 'whole':
      res.end(head + image + tail);
      return;
    case 'two':
      res.end(
        `${head}${image}"},{"b64_json":"${imageFor(`${prompt} #2`).toString('base64')}"}],"usage":{"input_tokens":5,"output_tokens":14,"total_tokens":19}}`,
      );
      return;
    case 'bad-tail':
      res.end(`${head}${image}","usage":}`);
      return;
    case 'cut':
      res.write(head + image.slice(0, half), () => setTimeout(() => req.socket.destroy(), 50));
      return;
    case 'hold':
      res.write(head + image.slice(0, half));
      releaseHeld = () => res.end(image.slice(half) + tail);
      return;
    case 'big':
      void writeBig(res, head, tail);
      return;
  }
}

/** Writes a huge answer at the pace its reader takes it, counting what went out. */
async function writeBig(res: ServerResponse, head: string, tail: string): Promise<void> {
  const piece = Buffer.alloc(1024 * 1024, 'QUJD'); // base64 of "ABC", repeated
  const pieces = BIG_IMAGE_BYTES / piece.length;
  bigTotal = head.length + pieces * piece.length + tail.length;
  bigSent = 0;
  const send = async (b: Buffer | string) => {
    bigSent += b.length;
    if (!res.write(b)) await new Promise((r) => res.once('drain', r));
  };
  await send(head);
  for (let i = 0; i < pieces && !res.destroyed; i++) await send(piece);
  res.end(tail);
  bigSent += tail.length;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    upstreamCalls++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, (JSON.parse(Buffer.concat(chunks).toString()) as { prompt: string }).prompt));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  gw = await startGateway({ env: { OPENAI_API_KEY: 'sk-fake', OPENAI_BASE_URL: url } });
});
afterAll(async () => {
  await gw?.close();
  await new Promise((r) => upstream?.close(r));
});

function post(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gw.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ model: 'gpt-image-1', ...body }),
    signal,
  });
}

/** Reads a body to its end; rejects when the connection is cut before it. */
async function readAll(res: Response): Promise<string> {
  return Buffer.from(await res.arrayBuffer()).toString();
}

/** The request-log rows of an account's image requests. */
const logRows = (accountId: string) =>
  gw.gateway.db.kysely
    .selectFrom('request_log')
    .select(['status', 'error_code', 'amount', 'images'])
    .where('account_id', '=', accountId)
    .where('endpoint', '=', '/v1/images/generations')
    .execute();

describe('passing a b64_json image through', () => {
  it('sends the image while the upstream is still sending it, then the whole reply, and charges once', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 50_000_000 });
    const res = await post(key, { prompt: 'hold lighthouse' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('x-billing-transaction-id')).toMatch(/^bt_|^hold_|\w+/);
    const reader = res.body!.getReader();
    const received: Buffer[] = [];
    // More than the reply's head arrives while the upstream still holds back the second half of the image.
    while (Buffer.concat(received).length < 300_000) received.push(Buffer.from((await reader.read()).value!));
    expect(releaseHeld).toBeDefined();
    expect(Buffer.concat(received).toString().startsWith('{"created":')).toBe(true);
    releaseHeld!();
    releaseHeld = undefined;
    for (let r = await reader.read(); !r.done; r = await reader.read()) received.push(Buffer.from(r.value));
    const body = JSON.parse(Buffer.concat(received).toString());
    expect(Buffer.from(body.data[0].b64_json, 'base64').equals(imageFor('hold lighthouse'))).toBe(true);
    expect(body.data[0].revised_prompt).toBe('hold lighthouse (revised)');
    expect(body.usage.total_tokens).toBe(12);
    const amount = body.imagegate.billing.amount as number;
    expect(amount).toBeGreaterThan(0);
    expect(body.imagegate.billing.billing_transaction_id).toBe(res.headers.get('x-billing-transaction-id'));
    expect(await gw.balance(key)).toMatchObject({ available: 50_000_000 - amount, held: 0, open_holds: 0 });
    await until(async () => (await logRows(accountId)).length === 1);
    expect(await logRows(accountId)).toEqual([{ status: 200, error_code: null, amount, images: 1 }]);
  });

  it('answers with the same JSON as a buffered reply (one kept for an Idempotency-Key)', async () => {
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const through = await post(key, { prompt: 'whole harbour' });
    const buffered = await post(key, { prompt: 'whole harbour' }, { 'idempotency-key': 'same-json-1' });
    expect(through.headers.get('content-length')).toBeNull();
    expect(buffered.headers.get('content-length')).not.toBeNull();
    const a = JSON.parse(await readAll(through));
    const b = JSON.parse(await readAll(buffered));
    for (const r of [a, b]) {
      delete r.created;
      delete r.imagegate.request_id;
      delete r.imagegate.billing.billing_transaction_id;
    }
    expect(a).toEqual(b);
  });

  it('passes the first of two images through and splices the second after it', async () => {
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const body = JSON.parse(await readAll(await post(key, { prompt: 'two boats', n: 2 })));
    expect(body.data).toHaveLength(2);
    expect(Buffer.from(body.data[0].b64_json, 'base64').equals(imageFor('two boats'))).toBe(true);
    expect(Buffer.from(body.data[1].b64_json, 'base64').equals(imageFor('two boats #2'))).toBe(true);
  });

  it.each([
    ['the upstream breaks off mid-image', 'cut mid-image'],
    ['the rest of the upstream reply is not JSON', 'bad-tail reply'],
  ])('cuts the connection, calls no other route and refunds when %s', async (_what, prompt) => {
    const { key, accountId } = await gw.clientKey({ balance: 50_000_000 });
    const before = upstreamCalls;
    const res = await post(key, { prompt });
    expect(res.status).toBe(200);
    await expect(readAll(res)).rejects.toThrow();
    expect(upstreamCalls - before).toBe(1);
    await until(async () => (await gw.balance(key)).open_holds === 0);
    expect(await gw.balance(key)).toMatchObject({ available: 50_000_000, held: 0 });
    await until(async () => (await logRows(accountId)).length === 1);
    expect(await logRows(accountId)).toEqual([{ status: 502, error_code: 'upstream_error', amount: 0, images: 0 }]);
  });

  it("writes what a tick passed through in one writev, never a chunk's size line on its own", async () => {
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const port = Number(new URL(gw.url).port);
    const lone: string[] = [];
    let batched = 0;
    const write = Socket.prototype._write;
    const writev = Socket.prototype._writev!;
    // Only the gateway's side of its client connections: the test's own sockets write too.
    Socket.prototype._write = function (this: Socket, data: unknown, encoding: BufferEncoding, cb: (err?: Error | null) => void) {
      if (this.localPort === port && typeof data === 'string' && /^[0-9a-f]+$/.test(data)) lone.push(data);
      return write.call(this, data, encoding, cb);
    };
    Socket.prototype._writev = function (this: Socket, chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, cb: (err?: Error | null) => void) {
      if (this.localPort === port) batched++;
      return writev.call(this, chunks, cb);
    };
    try {
      const body = JSON.parse(await readAll(await post(key, { prompt: 'whole quay' })));
      expect(Buffer.from(body.data[0].b64_json, 'base64').equals(imageFor('whole quay'))).toBe(true);
    } finally {
      Socket.prototype._write = write;
      Socket.prototype._writev = writev;
    }
    expect(lone).toEqual([]);
    expect(batched).toBeGreaterThan(0);
  });

  it('reads the upstream no faster than the client takes the image', async () => {
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const received: Buffer[] = [];
    let paused!: () => void;
    let resumeClient!: () => void;
    const done = new Promise<{ status: number }>((resolve, reject) => {
      const req = request(
        `${gw.url}/v1/images/generations`,
        { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } },
        (res) => {
          res.once('data', (first: Buffer) => {
            // The client stops reading after its first piece, until told otherwise.
            received.push(first);
            res.pause();
            paused();
            res.on('data', (c: Buffer) => received.push(c));
          });
          res.on('end', () => resolve({ status: res.statusCode! }));
          res.on('error', reject);
          resumeClient = () => res.resume();
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'gpt-image-1', prompt: 'big lighthouse' }));
    });
    await new Promise<void>((r) => (paused = r));
    // The gateway stops reading: the upstream's writes back up well before its answer is out.
    await until(() => bigSent > 0);
    await new Promise((r) => setTimeout(r, 500));
    const sentWhilePaused = bigSent;
    expect(sentWhilePaused).toBeLessThan(bigTotal / 2);
    resumeClient();
    expect((await done).status).toBe(200);
    expect(bigSent).toBe(bigTotal);
    const body = JSON.parse(Buffer.concat(received).toString()) as { data: Array<{ b64_json: string }> };
    expect(body.data[0]!.b64_json.length).toBe(BIG_IMAGE_BYTES);
    expect(body.data[0]!.b64_json.slice(0, 8)).toBe('QUJDQUJD');
  });

  it('stops reading the upstream, refunds and logs a 499 when the client goes away mid-image', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 50_000_000 });
    upstreamClosedEarly = false;
    const client = new AbortController();
    const res = await post(key, { prompt: 'hold then leave' }, {}, client.signal);
    const reader = res.body!.getReader();
    await reader.read();
    client.abort();
    await until(() => upstreamClosedEarly);
    releaseHeld = undefined;
    await until(async () => (await gw.balance(key)).open_holds === 0);
    expect(await gw.balance(key)).toMatchObject({ available: 50_000_000, held: 0 });
    await until(async () => (await logRows(accountId)).length === 1);
    expect(await logRows(accountId)).toEqual([{ status: 499, error_code: 'client_closed_request', amount: 0, images: 0 }]);
  });
});

describe('passing a Seedream (Ark) b64_json image through', () => {
  let ark: ArkFake;
  let arkGw: TestGateway;
  beforeAll(async () => {
    ark = await startArkFake();
    ark.fullSizeImages = true;
    arkGw = await startGateway({ env: { ARK_API_KEY: ark.apiKey, ARK_BASE_URL: `${ark.url}/api/v3` } });
  });
  afterAll(async () => {
    await arkGw?.close();
    await ark?.close();
  });

  it('streams the 4096×4096 JPEG and answers the same JSON as a buffered reply', async () => {
    const { key } = await arkGw.clientKey({ balance: 50_000_000 });
    const ask = (headers: Record<string, string>) =>
      fetch(`${arkGw.url}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
        body: JSON.stringify({ model: 'seedream-4.0', prompt: 'a city at dusk', size: '4096x4096', response_format: 'b64_json' }),
      });
    const through = await ask({});
    const buffered = await ask({ 'idempotency-key': 'ark-same-json' });
    expect(through.status).toBe(200);
    expect(through.headers.get('content-length')).toBeNull();
    expect(buffered.headers.get('content-length')).not.toBeNull();
    const a = JSON.parse(await readAll(through));
    const b = JSON.parse(await readAll(buffered));
    expect(await imageSize(Buffer.from(a.data[0].b64_json, 'base64'))).toMatchObject({ width: 4096, height: 4096, format: 'jpeg' });
    for (const r of [a, b]) {
      delete r.created;
      delete r.imagegate.request_id;
      delete r.imagegate.billing.billing_transaction_id;
    }
    expect(a).toEqual(b);
  });
});
