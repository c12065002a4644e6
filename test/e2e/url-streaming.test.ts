/**
 * A url reply's image is written to the blob store while the upstream is still sending it
 * (pipeline/blob-sink.ts): the hosted file is the image byte for byte, an answer that breaks off is retried into
 * a new file, and a request that fails leaves no file behind and no money taken.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/**
 * 1.5 MB of random bytes behind a PNG signature; 4 MB for answers that stop or fail halfway, so that their
 * first half is on disk (more than one write) before they do. Its base64 has many "/", which the upstream
 * escapes.
 */
const images = new Map<string, Buffer>();
const HALFWAY = ['hold', 'cut', 'not-base64'];
const imageFor = (prompt: string) => {
  const size = HALFWAY.some((s) => prompt.startsWith(s)) ? 4_000_000 : 1_500_000;
  if (!images.has(prompt)) images.set(prompt, Buffer.concat([PNG_MAGIC, randomBytes(size)]));
  return images.get(prompt)!;
};

/** What the scripted upstream does, chosen by the prompt's first word. */
type Script = 'whole' | 'two' | 'hold' | 'cut-once' | 'cut' | 'not-base64';

let upstream: Server;
let gw: TestGateway;
let dataDir: string;
const callsFor = new Map<string, number>();
/** Lets a `hold` answer finish; set while one is held. */
let releaseHeld: (() => void) | undefined;

function answer(req: IncomingMessage, res: ServerResponse, prompt: string): void {
  const call = (callsFor.get(prompt) ?? 0) + 1;
  callsFor.set(prompt, call);
  const script = prompt.split(' ')[0] as Script;
  // JSON.stringify would leave "/" alone; some encoders (PHP's, Java's) escape it, and JSON allows both.
  const image = imageFor(prompt).toString('base64').replaceAll('/', '\\/');
  const head = `{"created":1,"data":[{"b64_json":"`;
  const tail = `"}],"usage":{"input_tokens":5,"output_tokens":7,"total_tokens":12}}`;
  res.writeHead(200, { 'content-type': 'application/json' });
  const half = image.length >> 1;
  if (script === 'whole' || (script === 'cut-once' && call > 1)) res.end(head + image + tail);
  else if (script === 'two') res.end(`${head}${image}"},{"b64_json":"${imageFor(`${prompt} #2`).toString('base64')}${tail}`);
  else if (script === 'hold') {
    res.write(head + image.slice(0, half));
    releaseHeld = () => res.end(image.slice(half) + tail);
  } else if (script === 'not-base64') res.end(`${head}${image.slice(0, half)}*${image.slice(half + 1)}${tail}`);
  else res.write(head + image.slice(0, half), () => setTimeout(() => req.socket.destroy(), 50));
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, (JSON.parse(Buffer.concat(chunks).toString()) as { prompt: string }).prompt));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  dataDir = tempDir();
  gw = await startGateway({ dataDir, env: { OPENAI_API_KEY: 'sk-fake', OPENAI_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1` } });
});
afterAll(async () => {
  await gw?.close();
  await new Promise((r) => upstream?.close(r));
});

/** Every hosted file the gateway has written. */
function blobFiles(): string[] {
  return blobPaths().map((p) => basename(p));
}

function blobPaths(): string[] {
  const root = join(dataDir, 'blobs');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

async function generate(key: string, prompt: string) {
  const res = await fetch(`${gw.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-image-1', prompt, response_format: 'url' }),
  });
  return { status: res.status, body: (await res.json()) as { data?: Array<{ url: string }>; error?: { type: string; code: string } } };
}

describe('a url image streamed into the blob store', () => {
  it('hosts exactly the upstream image, its escaped slashes decoded', async () => {
    const before = blobFiles().length;
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const { status, body } = await generate(key, 'whole lighthouse');
    expect(status).toBe(200);
    const hosted = Buffer.from(await (await fetch(body.data![0]!.url)).arrayBuffer());
    expect(hosted.equals(imageFor('whole lighthouse'))).toBe(true);
    expect(body.data![0]!.url).toMatch(/\.png\?/);
    expect(blobFiles().length).toBe(before + 1);
  });

  it('streams the first of two images and stores the second from the rest of the answer', async () => {
    const before = blobFiles().length;
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const res = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'two kites', n: 2, response_format: 'url' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ url: string }> };
    const hosted = await Promise.all(body.data.map(async (d) => Buffer.from(await (await fetch(d.url)).arrayBuffer())));
    expect(hosted[0]!.equals(imageFor('two kites'))).toBe(true);
    expect(hosted[1]!.equals(imageFor('two kites #2'))).toBe(true);
    expect(blobFiles().length).toBe(before + 2);
  });

  it('writes the image to disk while the upstream is still sending it', async () => {
    const before = new Set(blobPaths());
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const reply = generate(key, 'hold orchard');
    // Half the image is on disk before the upstream sent the other half.
    await until(() => blobPaths().some((p) => !before.has(p) && statSync(p).size >= 512 * 1024), 10_000);
    expect(releaseHeld).toBeDefined();
    releaseHeld!();
    releaseHeld = undefined;
    const { status, body } = await reply;
    expect(status).toBe(200);
    const hosted = Buffer.from(await (await fetch(body.data![0]!.url)).arrayBuffer());
    expect(hosted.equals(imageFor('hold orchard'))).toBe(true);
  });

  it('removes the file and refunds when the client leaves while the image is arriving', async () => {
    const before = new Set(blobPaths());
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const leave = new AbortController();
    const reply = fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'hold dunes', response_format: 'url' }),
      signal: leave.signal,
    }).catch((e: unknown) => e);
    await until(() => blobPaths().some((p) => !before.has(p)), 10_000);
    expect(await gw.balance(key)).toMatchObject({ open_holds: 1 });
    leave.abort();
    await reply;
    await until(async () => (await gw.balance(key)).open_holds === 0, 10_000);
    expect(await gw.balance(key)).toMatchObject({ available: 50_000_000, held: 0 });
    await until(() => blobPaths().every((p) => before.has(p)), 10_000);
    releaseHeld?.();
    releaseHeld = undefined;
  });

  it('retries an answer that broke off mid-image into a new file, leaving only the whole one', async () => {
    const before = blobFiles().length;
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const { status, body } = await generate(key, 'cut-once harbour');
    expect(status).toBe(200);
    expect(callsFor.get('cut-once harbour')).toBe(2);
    const hosted = Buffer.from(await (await fetch(body.data![0]!.url)).arrayBuffer());
    expect(hosted.equals(imageFor('cut-once harbour'))).toBe(true);
    expect(blobFiles().length).toBe(before + 1);
    const balance = await gw.balance(key);
    expect(balance.held).toBe(0);
    expect(balance.available).toBeLessThan(50_000_000);
  });

  it.each([
    ['cut', 'an answer that breaks off on every try'],
    ['not-base64', 'an image whose text is not base64'],
  ])('refunds and leaves no file for %s (%s)', async (script) => {
    const before = blobFiles();
    const { key } = await gw.clientKey({ balance: 50_000_000 });
    const { status, body } = await generate(key, `${script} meadow`);
    expect(status).toBe(502);
    expect(body.error?.code).toBe('upstream_error');
    expect(callsFor.get(`${script} meadow`)).toBe(2);
    expect(await gw.balance(key)).toMatchObject({ available: 50_000_000, held: 0, open_holds: 0 });
    expect(blobFiles()).toEqual(before);
  });
});
