import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let key: string;
let client: OpenAI;
let files: Server;
let filesUrl = '';

beforeAll(async () => {
  const png = await makeImage(64, 64, { color: { r: 250, g: 20, b: 20 } });
  files = createServer((req, res) => {
    if (req.url === '/ref.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (req.url === '/not-an-image') res.writeHead(200, { 'content-type': 'image/png' }).end('<html>hello</html>');
    else if (req.url === '/to-private') res.writeHead(302, { location: 'http://10.0.0.1/x.png' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  gw = await startGateway({ env: { IMAGEGATE_URL_ALLOWLIST: filesUrl.replace('http://', '') } });
  ({ key } = await gw.clientKey());
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  files?.close();
});

const gen = (body: unknown) => postJson(`${gw.url}/v1/images/generations`, key, body);
async function multipart(path: string, form: FormData) {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

describe('edits and variations on the local model', () => {
  it('edits with the openai SDK (image + mask) and returns an image of the requested size', async () => {
    const image = await makeImage(64, 64);
    const mask = await makeImage(64, 64, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });
    const res = await client.images.edit({
      model: 'local',
      image: await toFile(image, 'a.png', { type: 'image/png' }),
      mask: await toFile(mask, 'm.png', { type: 'image/png' }),
      prompt: 'a hat',
      size: '256x256',
    });
    expect(await imageSize(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toMatchObject({ width: 256, height: 256 });
  });

  it('creates variations with the openai SDK', async () => {
    const res = await client.images.createVariation({
      model: 'local',
      image: await toFile(await makeImage(64, 64), 'a.png', { type: 'image/png' }),
      n: 2,
      size: '256x256',
      response_format: 'b64_json',
    });
    expect(res.data).toHaveLength(2);
  });

  it('takes the JSON edit form with images[].image_url as data URLs', async () => {
    const url = `data:image/png;base64,${(await makeImage(32, 32)).toString('base64')}`;
    const res = await postJson(`${gw.url}/v1/images/edits`, key, { model: 'local', prompt: 'x', size: '64x64', images: [{ image_url: url }] });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
  });

  it('refuses a mask whose size differs from the image, naming mask', async () => {
    const form = new FormData();
    form.append('model', 'local');
    form.append('prompt', 'x');
    form.append('image', new Blob([new Uint8Array(await makeImage(64, 64))], { type: 'image/png' }), 'a.png');
    form.append(
      'mask',
      new Blob([new Uint8Array(await makeImage(32, 32, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } }))], { type: 'image/png' }),
      'm.png',
    );
    const res = await multipart('/v1/images/edits', form);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('mask');
  });

  it('refuses a file that is not an image by its content, whatever its name, naming image[1]', async () => {
    const form = new FormData();
    form.append('model', 'local');
    form.append('prompt', 'x');
    form.append('image[]', new Blob([new Uint8Array(await makeImage(16, 16))], { type: 'image/png' }), 'a.png');
    form.append('image[]', new Blob(['not an image at all'], { type: 'image/png' }), 'b.png');
    const res = await multipart('/v1/images/edits', form);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('image[1]');
  });

  it('refuses an image sent as text with a hint to upload the file', async () => {
    const form = new FormData();
    form.append('model', 'local');
    form.append('prompt', 'x');
    form.append('image', '/path/to/image.png');
    const res = await multipart('/v1/images/edits', form);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('image');
    expect(res.body.error.message).toContain('@');
  });

  it('refuses too many parts with 413 and a truncated multipart body with 400', async () => {
    const form = new FormData();
    for (let i = 0; i < 80; i++) form.append(`f${i}`, 'x');
    expect((await multipart('/v1/images/edits', form)).status).toBe(413);
    const truncated = await fetch(`${gw.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\ncontent-disposition: form-data; name="model"\r\n\r\nlocal\r\n--XYZ\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n\x89PNG',
    });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as any).error.code).toBe('invalid_request');
  });

  it('refuses a JSON body on variations (multipart only) with a clear 400', async () => {
    const res = await postJson(`${gw.url}/v1/images/variations`, key, { model: 'local' });
    expect(res.status).toBe(400);
  });
});

describe('image-to-image with reference URLs', () => {
  it('fetches an allowlisted reference and generates from it', async () => {
    const res = await gen({ model: 'local', operation: 'image-to-image', prompt: 'studio', size: '64x64', image_urls: [`${filesUrl}/ref.png`] });
    expect(res.status).toBe(200);
  });

  it('refuses a private address, naming image_urls[0]', async () => {
    const res = await gen({ model: 'local', operation: 'image-to-image', prompt: 'x', image_urls: ['http://192.168.1.10/a.png'] });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('image_urls[0]');
  });

  it('refuses a hostname resolving to loopback, credentials and fragments', async () => {
    for (const url of ['http://localhost:9/a.png', 'https://user:pw@example.com/a.png', 'https://example.com/a.png#frag']) {
      const res = await gen({ model: 'local', operation: 'image-to-image', prompt: 'x', image_url: url });
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('image_url');
    }
  });

  it('refuses a redirect to a private address and a URL that is not an image', async () => {
    const redirect = await gen({ model: 'local', operation: 'image-to-image', prompt: 'x', image_urls: [`${filesUrl}/to-private`] });
    expect(redirect.status).toBe(400);
    expect(redirect.body.error.message).toContain('redirect');
    const html = await gen({ model: 'local', operation: 'image-to-image', prompt: 'x', image_urls: [`${filesUrl}/not-an-image`] });
    expect(html.status).toBe(400);
  });

  it('takes Seedream-style flat image references', async () => {
    const res = await gen({ model: 'local', prompt: 'x', size: '64x64', image: [`${filesUrl}/ref.png`] });
    expect(res.status).toBe(200);
  });

  it('refuses more references than the model takes, before fetching', async () => {
    const res = await gen({ model: 'local', operation: 'image-to-image', prompt: 'x', image_urls: Array.from({ length: 5 }, () => `${filesUrl}/ref.png`) });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('image_urls');
  });
});
