/**
 * IMAGEGATE_S3_BUCKET: hosted images and async tasks' input images live in an S3-compatible bucket, so every
 * instance of a deployment can serve what another stored. The gateway speaks S3 (SigV4) to a fake that checks
 * each signature; nothing lands in the data dir.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { FAKE_S3_CREDENTIALS, FakeS3 } from '../fakes/s3.js';
import { makeImage } from '../fakes/images.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue } from '../support/wait.js';
import { openaiImageModel, overlayOf } from '../support/overlays.js';

const PRICE = 1000;
const OVERLAY = overlayOf(openaiImageModel('priced-image', PRICE));
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe.each(databases())('hosted images in S3 on $name', ({ name, make }) => {
  let s3: FakeS3;
  let openai: OpenAIFake;
  const gateways: TestGateway[] = [];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    s3 = await new FakeS3(['imagegate-blobs'], 'eu-central-1').start();
    openai = await startOpenAIFake();
    // On PostgreSQL, two instances with data dirs of their own share the database and the bucket.
    const instances = name === 'postgres' ? 2 : 1;
    const db = await make();
    for (let i = 0; i < instances; i++) {
      const dataDir = i === 0 ? db.dataDir : `${db.dataDir}-${i}`;
      dataDirs.push(dataDir);
      gateways.push(
        await startGateway({
          overlay: OVERLAY,
          databaseUrl: db.databaseUrl,
          dataDir,
          env: {
            OPENAI_API_KEY: 'sk-fake-openai',
            OPENAI_BASE_URL: `${openai.url}/v1`,
            IMAGEGATE_S3_BUCKET: 'imagegate-blobs',
            IMAGEGATE_S3_PREFIX: 'hosted/',
            AWS_ENDPOINT_URL_S3: s3.url,
            AWS_REGION: 'eu-central-1',
            AWS_ACCESS_KEY_ID: FAKE_S3_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: FAKE_S3_CREDENTIALS.secretAccessKey,
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await openai?.close();
    await s3?.close();
  });

  const objects = () => s3.objects('imagegate-blobs');

  it('stores a url answer streamed from the upstream in the bucket and serves it at its signed link, byte for byte', async () => {
    const gw = gateways[0]!;
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    // Large enough (≥ 64 KB) to be written through the streaming sink, not stored from a whole body.
    const image = Buffer.concat([PNG_MAGIC, randomBytes(700_000)]);
    openai.setFixedResponse(Buffer.from(JSON.stringify({ created: 1, data: [{ b64_json: image.toString('base64') }] })));
    try {
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'priced-image', prompt: 'a lighthouse', response_format: 'url' });
      expect(res.status).toBe(200);
      const link = new URL(res.body.data[0].url as string);
      const name = link.pathname.split('/').pop()!;
      const stored = [...objects()].find(([k]) => k.endsWith(`/${name}`));
      expect(stored?.[0]).toMatch(/^hosted\/\d+\/img_[\w-]+\.png$/);
      expect(stored![1].body.equals(image)).toBe(true);
      // Every instance serves it, whichever stored it.
      for (const other of gateways) {
        const served = await fetch(`${other.url}${link.pathname}${link.search}`);
        expect(served.status).toBe(200);
        expect(served.headers.get('content-type')).toBe('image/png');
        expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
      }
      for (const dir of dataDirs) expect(existsSync(join(dir, 'blobs'))).toBe(false);
    } finally {
      openai.setFixedResponse(undefined);
    }
  });

  it("keeps an async edit's input image in the bucket for the worker that runs it", async () => {
    const gw = gateways[0]!;
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const input = await makeImage(32, 32, { color: { r: 10, g: 200, b: 30 } });
    const before = new Set(objects().keys());
    const res = await postJson(
      `${gw.url}/v1/images/edits`,
      key,
      { model: 'local', prompt: 'x', size: '64x64', images: [{ image_url: `data:image/png;base64,${input.toString('base64')}` }] },
      { prefer: 'respond-async' },
    );
    expect(res.status).toBe(202);
    const added = [...objects()].filter(([k]) => !before.has(k));
    expect(added.some(([, o]) => o.body.equals(input))).toBe(true);
    const task = await pollValue(
      async () =>
        (await (await fetch(`${gw.url}/v1/tasks/${res.body.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
          status: string;
          data?: Array<{ url: string }>;
        },
      (t) => t.status === 'succeeded' || t.status === 'failed',
    );
    expect(task.status).toBe('succeeded');
    expect((await fetch(task.data![0]!.url)).status).toBe(200);
  });

  it('keeps an uploaded file in the bucket for every instance, and removes it from the bucket when deleted', async () => {
    const { key } = await gateways[0]!.clientKey();
    const input = await makeImage(32, 32, { color: { r: 200, g: 10, b: 90 } });
    const form = new FormData();
    form.append('purpose', 'vision');
    form.append('file', new Blob([new Uint8Array(input)], { type: 'image/png' }), 'in.png');
    const uploaded = (await (
      await fetch(`${gateways[0]!.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    ).json()) as {
      id: string;
    };
    const stored = [...objects()].find(([k]) => k.endsWith(`/${uploaded.id}.png`));
    expect(stored?.[1].body.equals(input)).toBe(true);
    for (const gw of gateways) {
      const content = await fetch(`${gw.url}/v1/files/${uploaded.id}/content`, { headers: { authorization: `Bearer ${key}` } });
      expect(Buffer.from(await content.arrayBuffer()).equals(input)).toBe(true);
    }
    const edit = await postJson(`${gateways.at(-1)!.url}/v1/images/edits`, key, {
      model: 'local',
      prompt: 'x',
      size: '64x64',
      images: [{ file_id: uploaded.id }],
    });
    expect(edit.status).toBe(200);
    const deleted = await fetch(`${gateways[0]!.url}/v1/files/${uploaded.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    expect(deleted.status).toBe(200);
    expect([...objects().keys()].some((k) => k.endsWith(`/${uploaded.id}.png`))).toBe(false);
  });

  it('fails a url request whose image S3 will not take with 500, and takes no money', async () => {
    const gw = gateways[0]!;
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    s3.knobs.failNext = 3; // every attempt
    s3.knobs.failStatus = 503;
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'priced-image', prompt: 'a fox', response_format: 'url' });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal_error');
    expect(await gw.balance(key)).toMatchObject({ available: 1_000_000, held: 0 });
  });
});

describe('hosted images in S3, handed out as presigned links (IMAGEGATE_S3_REDIRECT)', () => {
  let s3: FakeS3;
  let gw: TestGateway;

  beforeAll(async () => {
    s3 = await new FakeS3(['direct'], 'us-east-2').start();
    gw = await startGateway({
      env: {
        IMAGEGATE_S3_BUCKET: 'direct',
        IMAGEGATE_S3_REDIRECT: 'true',
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_REGION: 'us-east-2',
        AWS_ACCESS_KEY_ID: FAKE_S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_S3_CREDENTIALS.secretAccessKey,
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await s3?.close();
  });

  it('redirects a valid image link to a presigned S3 URL that serves the stored bytes, and still refuses a forged link', async () => {
    const { key } = await gw.clientKey({ balance: 0 });
    const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'local', prompt: 'x', size: '64x64', response_format: 'url' });
    expect(res.status).toBe(200);
    const link = res.body.data[0].url as string;
    const hop = await fetch(link, { redirect: 'manual' });
    expect(hop.status).toBe(302);
    const location = new URL(hop.headers.get('location')!);
    expect(location.origin).toBe(s3.url);
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const stored = [...s3.objects('direct').values()];
    expect(stored).toHaveLength(1);
    const served = await fetch(location);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(stored[0]!.body)).toBe(true);
    const forged = new URL(link);
    forged.searchParams.set('sig', 'A'.repeat(43));
    expect((await fetch(forged, { redirect: 'manual' })).status).toBe(403);
  });
});
