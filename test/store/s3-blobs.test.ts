import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentExpiryHour, expiryHourOf } from '../../src/store/blobs.js';
import { staticCredentials } from '../../src/store/s3/credentials/types.js';
import { S3BlobStore, S3Error, s3Settings } from '../../src/store/s3/store.js';
import { FAKE_S3_CREDENTIALS, FakeS3 } from '../fakes/s3.js';

let s3: FakeS3;
const storeWith = (o: { prefix?: string; secret?: string; region?: string; redirect?: boolean } = {}) =>
  new S3BlobStore(
    s3Settings({
      bucket: 'images',
      prefix: o.prefix,
      redirect: o.redirect,
      endpoint: s3.url,
      region: o.region ?? 'eu-west-3',
    }),
    staticCredentials({ ...FAKE_S3_CREDENTIALS, secretAccessKey: o.secret ?? FAKE_S3_CREDENTIALS.secretAccessKey }),
  );
const read = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

beforeAll(async () => {
  s3 = await new FakeS3(['images'], 'eu-west-3').start();
});
afterAll(() => s3.close());
beforeEach(() => {
  s3.reset();
  s3.objects('images').clear();
  s3.pageSize = 1000;
});

describe('S3 blob store', () => {
  it('puts an image under <prefix><expiry hour>/<id>.<ext> with its content type, and reads it back whole', async () => {
    const store = storeWith({ prefix: 'ig/' });
    const bytes = randomBytes(300_000);
    const blob = await store.put('img_a', 'png', bytes, 3600);
    const key = `ig/${expiryHourOf(blob.expiresAt)}/img_a.png`;
    expect([...s3.objects('images').keys()]).toEqual([key]);
    expect(s3.objects('images').get(key)!.contentType).toBe('image/png');
    const opened = await store.open(blob);
    expect(opened!.size).toBe(bytes.length);
    expect((await read(opened!.stream)).equals(bytes)).toBe(true);
  });

  it('deletes one blob before its expiry (a deleted file), and a blob already gone is no failure', async () => {
    const store = storeWith({ prefix: 'ig/' });
    const kept = await store.put('file_kept', 'png', randomBytes(100), 3600);
    const gone = await store.put('file_gone', 'png', randomBytes(100), 3600);
    await store.delete(gone);
    expect([...s3.objects('images').keys()]).toEqual([store.keyOf(kept)]);
    expect(await store.open(gone)).toBeUndefined();
    await expect(store.delete(gone)).resolves.toBeUndefined();
  });

  it('stores a blob written piece by piece as one object, unchanged when the caller reuses its buffers', async () => {
    const store = storeWith();
    const image = randomBytes(1_500_000);
    const file = await store.create('img_b', 'webp', 3600);
    const piece = Buffer.alloc(500_000);
    for (let at = 0; at < image.length; at += piece.length) {
      image.copy(piece, 0, at, at + piece.length);
      await file.write([piece]);
      piece.fill(0x55); // what a pooled buffer's next user would do
    }
    expect(s3.objects('images').size).toBe(0); // nothing is visible before close
    const blob = await file.close();
    const stored = s3.objects('images').get(store.keyOf(blob))!;
    expect(stored.body.equals(image)).toBe(true);
    expect(stored.contentType).toBe('image/webp');
  });

  it('leaves nothing behind for a blob discarded before or after it was closed', async () => {
    const store = storeWith();
    const unfinished = await store.create('img_c', 'png', 3600);
    await unfinished.write([randomBytes(1000)]);
    await unfinished.discard();
    const finished = await store.create('img_d', 'png', 3600);
    await finished.write([randomBytes(1000)]);
    await finished.close();
    expect(s3.objects('images').size).toBe(1);
    await finished.discard();
    expect(s3.objects('images').size).toBe(0);
  });

  it('removes a blob discarded while its upload is still under way, once the upload lands', async () => {
    const store = storeWith();
    const file = await store.create('img_race', 'png', 3600);
    await file.write([randomBytes(1000)]);
    s3.knobs.latencyMs = 100;
    const closing = file.close();
    await new Promise((r) => setTimeout(r, 20));
    await file.discard();
    await closing;
    expect(s3.objects('images').size).toBe(0);
  });

  it('answers undefined for a missing blob, and for an expired one without asking S3', async () => {
    const store = storeWith();
    expect(await store.open({ id: 'img_none', ext: 'png', expiresAt: Math.ceil(Date.now() / 1000) + 60 })).toBeUndefined();
    const blob = await store.put('img_old', 'png', Buffer.from('x'), 3600);
    s3.reset();
    expect(await store.open({ ...blob, expiresAt: Math.floor(Date.now() / 1000) - 1 })).toBeUndefined();
    expect(s3.requests).toHaveLength(0);
  });

  it('sweeps every past expiry hour across listing pages, and keeps the current and future ones', async () => {
    const store = storeWith({ prefix: 'ig/' });
    const hour = currentExpiryHour();
    const objects = s3.objects('images');
    for (const h of [hour - 3, hour - 2, hour - 1])
      for (let i = 0; i < 5; i++) objects.set(`ig/${h}/img_${h}_${i}.png`, { body: Buffer.from('x'), contentType: 'image/png' });
    for (const h of [hour, hour + 1]) objects.set(`ig/${h}/img_${h}.png`, { body: Buffer.from('x'), contentType: 'image/png' });
    objects.set('other/1/not-ours.png', { body: Buffer.from('x'), contentType: 'image/png' });
    s3.pageSize = 2; // 3 prefixes and 5 keys per hour: every listing takes several pages
    expect(await store.sweep()).toBe(3);
    expect([...objects.keys()].sort()).toEqual([`ig/${hour}/img_${hour}.png`, `ig/${hour + 1}/img_${hour + 1}.png`, 'other/1/not-ours.png']);
    expect(s3.requestsTo(/^\/images\/?$/).some((r) => r.query.has('continuation-token'))).toBe(true);
  });

  it('leaves numbered folders that cannot be expiry hours alone (a bucket shared with other data)', async () => {
    const store = storeWith();
    const objects = s3.objects('images');
    const hour = currentExpiryHour();
    for (const key of ['2024/report.pdf', '7/a.png', `${hour - 1}/img_x.png`]) objects.set(key, { body: Buffer.from('x'), contentType: undefined });
    expect(await store.sweep()).toBe(1);
    expect([...objects.keys()].sort()).toEqual(['2024/report.pdf', '7/a.png']);
  });

  it('rejects with the S3 operation, status and code when S3 refuses the signature', async () => {
    const store = storeWith({ secret: 'not-the-secret' });
    const err = await store.put('img_e', 'png', Buffer.from('x'), 3600).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).message).toBe('S3 PutObject failed: HTTP 403 SignatureDoesNotMatch');
    expect(s3.objects('images').size).toBe(0);
  });

  it('retries a write S3 answers with 503 or a dropped connection, and stores the image once', async () => {
    const store = storeWith();
    const image = randomBytes(200_000);
    s3.knobs.failNext = 1;
    s3.knobs.failStatus = 503;
    const first = await store.put('img_r1', 'png', image, 3600);
    s3.knobs.dropNext = 1;
    const file = await store.create('img_r2', 'png', 3600);
    await file.write([image.subarray(0, 100_000), image.subarray(100_000)]);
    const second = await file.close();
    expect(s3.requests.filter((r) => r.method === 'PUT')).toHaveLength(4);
    expect(s3.objects('images').get(store.keyOf(first))!.body.equals(image)).toBe(true);
    expect(s3.objects('images').get(store.keyOf(second))!.body.equals(image)).toBe(true);
  });

  it('gives up after three attempts, and does not retry a refusal', async () => {
    const store = storeWith();
    s3.knobs.failNext = 3;
    s3.knobs.failStatus = 500;
    await expect(store.put('img_r3', 'png', Buffer.from('x'), 3600)).rejects.toThrow('S3 PutObject failed: HTTP 500');
    expect(s3.requests).toHaveLength(3);
    s3.reset();
    await expect(storeWith({ secret: 'wrong' }).put('img_r4', 'png', Buffer.from('x'), 3600)).rejects.toThrow('HTTP 403');
    expect(s3.requests).toHaveLength(1);
  });

  it('signs for its region: a store configured for another region is refused', async () => {
    const err = await storeWith({ region: 'us-east-1' })
      .put('img_f', 'png', Buffer.from('x'), 3600)
      .catch((e: unknown) => e);
    expect((err as S3Error).code).toBe('AuthorizationHeaderMalformed');
  });

  it('addresses AWS itself by virtual host: bucket in the host name, regional endpoint by default', () => {
    const settings = s3Settings({ bucket: 'my-images', region: 'ap-southeast-1' });
    expect(settings.endpoint).toBe('https://s3.ap-southeast-1.amazonaws.com');
    expect(settings.pathStyle).toBe(false);
    expect(s3Settings({ bucket: 'b', endpoint: 'http://minio:9000/' })).toMatchObject({
      endpoint: 'http://minio:9000',
      pathStyle: true,
      region: 'us-east-1',
    });
  });

  describe('direct links (IMAGEGATE_S3_REDIRECT)', () => {
    it('hands out none unless asked to', async () => {
      const blob = await storeWith().put('img_p0', 'png', Buffer.from('x'), 3600);
      expect(await storeWith().directLink(blob)).toBeUndefined();
    });

    it('presigns a URL anyone can GET the image from, living as long as the blob', async () => {
      const store = storeWith({ redirect: true });
      const bytes = randomBytes(50_000);
      const blob = await store.put('img_p1', 'png', bytes, 3600);
      const { url } = (await store.directLink(blob))!;
      expect(url.origin).toBe(s3.url);
      expect(Math.abs(Number(url.searchParams.get('X-Amz-Expires')) - 3600)).toBeLessThanOrEqual(1);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it("caps a long-lived blob's link at SigV4's 7 days", async () => {
      const store = storeWith({ redirect: true });
      const blob = await store.put('img_p2', 'png', Buffer.from('x'), 30 * 24 * 3600);
      expect((await store.directLink(blob))!.url.searchParams.get('X-Amz-Expires')).toBe('604800');
    });

    it('is refused for another key, and once it has expired', async () => {
      const store = storeWith({ redirect: true });
      const blob = await store.put('img_p3', 'png', Buffer.from('x'), 3600);
      await store.put('img_p4', 'png', Buffer.from('y'), 3600);
      const { url } = (await store.directLink(blob))!;
      url.pathname = url.pathname.replace('img_p3', 'img_p4');
      expect((await fetch(url)).status).toBe(403);
      // Signed 5 s ago for a blob that expires within 2 s: the link ends with the blob.
      const shortLived = await store.put('img_p5', 'png', Buffer.from('z'), 1);
      const soon = (await store.directLink(shortLived, Date.now() - 5000))!.url;
      expect((await fetch(soon)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 3100));
      expect((await fetch(soon)).status).toBe(403);
      expect(await store.directLink(shortLived)).toBeUndefined();
    });
  });
});
