/**
 * The Files API for images, end to end: the official openai SDK's files calls, account scoping, the
 * limits on hostile uploads, file ids as edit and reference inputs, and signed hosted-image links that keep
 * resolving beside the new routes.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../fakes/images.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { validateAgainst } from '../support/openai-spec.js';
import { pollValue } from '../support/wait.js';

/** A priced model on the offline renderer, so "refused before money is held" is observable. */
const OVERLAY = `
models:
  priced-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations:
      image-to-image: { endpoint: /v1/images/generations, images: { max_images: 2, max_bytes: 1048576 } }
      edit: { endpoint: /v1/images/edits, images: { max_images: 4, max_bytes: 1048576, mask: true } }
    sizes: { values: [64x64] }
    price: { per_image: 10000 }
`;

const MAX_BYTES = 200_000;
const PER_ACCOUNT = 5;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    overlay: OVERLAY,
    env: { IMAGEGATE_FILE_MAX_BYTES: String(MAX_BYTES), IMAGEGATE_FILES_PER_ACCOUNT: String(PER_ACCOUNT) },
  });
});
afterAll(async () => gw?.close());

async function account(balance = 0) {
  const { key, accountId } = await gw.clientKey({ balance });
  return { key, accountId, client: new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 }) };
}

const png = (w = 32, h = 32) => makeImage(w, h);
const transparentMask = (w = 32, h = 32) => makeImage(w, h, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });

async function uploadRaw(key: string, parts: Array<[string, string | Blob, string?]>) {
  const form = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  const res = await fetch(`${gw.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

const blob = (bytes: Buffer, type = 'image/png') => new Blob([new Uint8Array(bytes)], { type });

describe('the Files API with the openai SDK', () => {
  it('uploads a PNG and lists it for its own account only', async () => {
    const a = await account();
    const b = await account();
    const bytes = await png();
    const file = await a.client.files.create({ file: await toFile(bytes, 'cat.png', { type: 'image/png' }), purpose: 'vision' });
    expect(file).toMatchObject({ object: 'file', bytes: bytes.length, filename: 'cat.png', purpose: 'vision', status: 'processed' });
    expect(file.id).toMatch(/^file_/);
    expect(file.expires_at).toBeGreaterThan(file.created_at);

    const mine = [];
    for await (const f of a.client.files.list()) mine.push(f.id);
    expect(mine).toEqual([file.id]);
    const theirs = [];
    for await (const f of b.client.files.list()) theirs.push(f.id);
    expect(theirs).toEqual([]);

    expect(await a.client.files.retrieve(file.id)).toEqual(file);
    const content = await a.client.files.content(file.id);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);

    expect(await a.client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(a.client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it("answers 404 for another account's file id, on every route", async () => {
    const a = await account();
    const b = await account();
    const file = await a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' });
    for (const call of [() => b.client.files.retrieve(file.id), () => b.client.files.content(file.id), () => b.client.files.delete(file.id)]) {
      await expect(call()).rejects.toMatchObject({ status: 404, error: { code: 'not_found', param: 'file_id' } });
    }
    // Still there for its owner.
    expect((await a.client.files.retrieve(file.id)).id).toBe(file.id);
  });

  it("pages with limit and after as the SDK's auto-pagination does, newest first, filtered by purpose", async () => {
    const a = await account();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await a.client.files.create({ file: await toFile(await png(), `${i}.png`, { type: 'image/png' }), purpose: 'vision' })).id);
    }
    const other = await a.client.files.create({ file: await toFile(await png(), 'u.png', { type: 'image/png' }), purpose: 'user_data' });
    const page = await a.client.files.list({ limit: 2, purpose: 'vision' });
    expect(page.data.map((f) => f.id)).toEqual([ids[2], ids[1]]);
    expect(page.has_more).toBe(true);
    const all = [];
    for await (const f of a.client.files.list({ limit: 1, purpose: 'vision' })) all.push(f.id);
    expect(all).toEqual([ids[2], ids[1], ids[0]]);
    const oldestFirst = await a.client.files.list({ order: 'asc' });
    expect(oldestFirst.data.map((f) => f.id)).toEqual([...ids, other.id]);
    const raw = (await (await fetch(`${gw.url}/v1/files?purpose=none`, { headers: { authorization: `Bearer ${a.key}` } })).json()) as any;
    expect(raw).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('honours expires_after within the limits and refuses it outside them', async () => {
    const a = await account();
    const file = await a.client.files.create({
      file: await toFile(await png(), 'a.png', { type: 'image/png' }),
      purpose: 'vision',
      expires_after: { anchor: 'created_at', seconds: 7200 },
    });
    expect(file.expires_at! - file.created_at).toBeGreaterThanOrEqual(7200);
    expect(file.expires_at! - file.created_at).toBeLessThanOrEqual(7201);
    const tooShort = await uploadRaw(a.key, [
      ['file', blob(await png()), 'a.png'],
      ['purpose', 'vision'],
      ['expires_after[anchor]', 'created_at'],
      ['expires_after[seconds]', '60'],
    ]);
    expect([tooShort.status, tooShort.body.error.param]).toEqual([400, 'expires_after.seconds']);
  });
});

describe("OpenAI's schemas", () => {
  const check = (name: string, value: unknown) => expect(validateAgainst(name, value)).toEqual([]);

  it('answers upload, retrieve, list and delete in the shapes of OpenAIFile, ListFilesResponse and DeleteFileResponse', async () => {
    const a = await account();
    const get = async (path: string, method = 'GET') => (await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${a.key}` } })).json();
    const uploaded = await uploadRaw(a.key, [
      ['file', blob(await png()), 'a.png'],
      ['purpose', 'vision'],
    ]);
    check('OpenAIFile', uploaded.body);
    check('OpenAIFile', await get(`/v1/files/${uploaded.body.id}`));
    check('ListFilesResponse', await get('/v1/files?limit=1'));
    check('DeleteFileResponse', await get(`/v1/files/${uploaded.body.id}`, 'DELETE'));
  });
});

describe('hostile uploads', () => {
  it('refuses a file over the size cap with 413 naming file', async () => {
    const a = await account();
    const big = Buffer.concat([await png(), Buffer.alloc(MAX_BYTES)]);
    const res = await uploadRaw(a.key, [
      ['purpose', 'vision'],
      ['file', blob(big), 'big.png'],
    ]);
    expect([res.status, res.body.error.code, res.body.error.param]).toEqual([413, 'payload_too_large', 'file']);
  });

  it('refuses what is not an image, judged by content, naming file', async () => {
    const a = await account();
    const res = await uploadRaw(a.key, [
      ['file', blob(Buffer.from('%PDF-1.7 not an image'), 'image/png'), 'x.png'],
      ['purpose', 'vision'],
    ]);
    expect([res.status, res.body.error.param]).toEqual([400, 'file']);
  });

  it('refuses a missing purpose and a purpose that is not for images, naming purpose', async () => {
    const a = await account();
    const missing = await uploadRaw(a.key, [['file', blob(await png()), 'a.png']]);
    expect([missing.status, missing.body.error.param]).toEqual([400, 'purpose']);
    for (const purpose of ['fine-tune', 'nonsense']) {
      const bad = await uploadRaw(a.key, [
        ['file', blob(await png()), 'a.png'],
        ['purpose', purpose],
      ]);
      expect([bad.status, bad.body.error.param], purpose).toEqual([400, 'purpose']);
    }
  });

  it('refuses a missing file, naming file', async () => {
    const a = await account();
    const res = await uploadRaw(a.key, [['purpose', 'vision']]);
    expect([res.status, res.body.error.param]).toEqual([400, 'file']);
  });

  it('refuses a JSON body, a second file and unknown fields, naming them', async () => {
    const a = await account();
    const json = await postJson(`${gw.url}/v1/files`, a.key, { purpose: 'vision', file: 'aGVsbG8=' });
    expect([json.status, json.body.error.message]).toEqual([400, expect.stringContaining('multipart/form-data')]);
    const two = await uploadRaw(a.key, [
      ['purpose', 'vision'],
      ['file', blob(await png()), 'a.png'],
      ['file', blob(await png()), 'b.png'],
    ]);
    expect([two.status, two.body.error.param]).toEqual([400, 'file']);
    const extra = await uploadRaw(a.key, [
      ['purpose', 'vision'],
      ['file', blob(await png()), 'a.png'],
      ['model', 'local'],
    ]);
    expect([extra.status, extra.body.error.param]).toEqual([400, 'model']);
  });

  it('keeps only the base name of the uploaded file, without control characters', async () => {
    const a = await account();
    const res = await uploadRaw(a.key, [
      ['purpose', 'vision'],
      ['file', blob(await png()), '../../etc/pass\twd\u0007.png'],
    ]);
    expect(res.status).toBe(200);
    expect(res.body.filename).toBe('passwd.png');
  });

  it('refuses list parameters outside their ranges, naming them', async () => {
    const a = await account();
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['limit=x', 'limit'],
      ['order=newest', 'order'],
      ['after=a&after=b', 'after'],
    ]) {
      const res = await fetch(`${gw.url}/v1/files?${query}`, { headers: { authorization: `Bearer ${a.key}` } });
      expect([res.status, ((await res.json()) as any).error.param], query).toEqual([400, param]);
    }
  });

  it('refuses uploads past the per-account cap until one is deleted', async () => {
    const a = await account();
    const ids: string[] = [];
    for (let i = 0; i < PER_ACCOUNT; i++) {
      ids.push((await a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' })).id);
    }
    const over = await uploadRaw(a.key, [
      ['file', blob(await png()), 'a.png'],
      ['purpose', 'vision'],
    ]);
    expect([over.status, over.body.error.param]).toEqual([400, 'file']);
    await a.client.files.delete(ids[0]!);
    await expect(a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' })).resolves.toMatchObject({
      object: 'file',
    });
  });

  it('records uploads in the request log with their shape and no file bytes', async () => {
    const a = await account();
    const file = await a.client.files.create({ file: await toFile(await png(), 'secret-name.png', { type: 'image/png' }), purpose: 'vision' });
    await gw.gateway.requestLog.flush();
    const rows = await gw.gateway.db.kysely.selectFrom('request_log').selectAll().where('account_id', '=', a.accountId).execute();
    const row = rows.find((r) => r.endpoint === '/v1/files');
    expect(row).toMatchObject({ status: 200, traffic: 'client' });
    expect(JSON.parse(row!.request_shape!)).toMatchObject({ purpose: 'vision', bytes: file.bytes, ext: 'png' });
    expect(row!.request_shape).not.toContain('secret-name');
  });
});

describe('file ids as image inputs', () => {
  it('edits with images [{file_id}] and a mask file_id', async () => {
    const a = await account();
    const image = await a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' });
    const second = await a.client.files.create({ file: await toFile(await png(), 'b.png', { type: 'image/png' }), purpose: 'vision' });
    const mask = await a.client.files.create({ file: await toFile(await transparentMask(), 'm.png', { type: 'image/png' }), purpose: 'vision' });
    const res = await postJson(`${gw.url}/v1/images/edits`, a.key, {
      model: 'local',
      prompt: 'a hat',
      size: '64x64',
      images: [{ file_id: image.id }, { file_id: second.id }],
      mask: { file_id: mask.id },
    });
    expect(res.status).toBe(200);
    expect(await imageSize(Buffer.from(res.body.data[0].b64_json, 'base64'))).toMatchObject({ width: 64, height: 64 });
  });

  it('checks a file like any input image: a mask of another size is refused naming mask.file_id', async () => {
    const a = await account();
    const image = await a.client.files.create({ file: await toFile(await png(32, 32), 'a.png', { type: 'image/png' }), purpose: 'vision' });
    const mask = await a.client.files.create({ file: await toFile(await transparentMask(16, 16), 'm.png', { type: 'image/png' }), purpose: 'vision' });
    const res = await postJson(`${gw.url}/v1/images/edits`, a.key, {
      model: 'local',
      prompt: 'x',
      size: '64x64',
      images: [{ file_id: image.id }],
      mask: { file_id: mask.id },
    });
    expect([res.status, res.body.error.param]).toEqual([400, 'mask.file_id']);
  });

  it('refuses an expired file_id naming images[0].file_id', async () => {
    const a = await account();
    const image = await a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' });
    await gw.gateway.db.kysely
      .updateTable('files')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', image.id)
      .execute();
    const res = await postJson(`${gw.url}/v1/images/edits`, a.key, { model: 'local', prompt: 'x', size: '64x64', images: [{ file_id: image.id }] });
    expect([res.status, res.body.error.code, res.body.error.param]).toEqual([400, 'invalid_request', 'images[0].file_id']);
  });

  it("refuses another account's file_id naming images[1].file_id, before any money is held", async () => {
    const a = await account(1_000_000);
    const b = await account();
    const mine = await a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' });
    const theirs = await b.client.files.create({ file: await toFile(await png(), 'b.png', { type: 'image/png' }), purpose: 'vision' });
    const res = await postJson(`${gw.url}/v1/images/edits`, a.key, {
      model: 'priced-local',
      prompt: 'x',
      size: '64x64',
      images: [{ file_id: mine.id }, { file_id: theirs.id }],
    });
    expect([res.status, res.body.error.param]).toEqual([400, 'images[1].file_id']);
    expect(res.body.error.message).not.toContain(b.accountId);
    expect(await gw.balance(a.key)).toMatchObject({ available: 1_000_000, held: 0, open_holds: 0 });
    const holds = await gw.gateway.db.kysely.selectFrom('holds').select('id').where('account_id', '=', a.accountId).execute();
    expect(holds).toEqual([]);
  });

  it('refuses an image_ref with both image_url and file_id, naming it', async () => {
    const a = await account();
    const res = await postJson(`${gw.url}/v1/images/edits`, a.key, {
      model: 'local',
      prompt: 'x',
      images: [{ image_url: 'data:image/png;base64,AAAA', file_id: 'file_x' }],
    });
    expect([res.status, res.body.error.param]).toEqual([400, 'images[0]']);
  });

  it('takes reference_file_ids for image-to-image on /v1/images/generations, and charges the priced model', async () => {
    const a = await account(1_000_000);
    const ref = await a.client.files.create({ file: await toFile(await png(), 'ref.png', { type: 'image/png' }), purpose: 'vision' });
    const res = await postJson(`${gw.url}/v1/images/generations`, a.key, {
      model: 'priced-local',
      prompt: 'studio shot',
      size: '64x64',
      reference_file_ids: [ref.id],
      response_format: 'b64_json',
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(await gw.balance(a.key)).toMatchObject({ available: 990_000, open_holds: 0 });
    const unknown = await postJson(`${gw.url}/v1/images/generations`, a.key, { model: 'priced-local', prompt: 'x', reference_file_ids: ['file_nope'] });
    expect([unknown.status, unknown.body.error.param]).toEqual([400, 'reference_file_ids[0]']);
  });

  it('runs an async edit on the file as it was when the task was accepted, even if the file is deleted meanwhile', async () => {
    const a = await account();
    const image = await a.client.files.create({ file: await toFile(await png(), 'a.png', { type: 'image/png' }), purpose: 'vision' });
    const res = await postJson(
      `${gw.url}/v1/images/edits`,
      a.key,
      { model: 'local', prompt: 'x', size: '64x64', images: [{ file_id: image.id }] },
      { prefer: 'respond-async' },
    );
    expect(res.status).toBe(202);
    await a.client.files.delete(image.id);
    const task = await pollValue(
      async () => (await (await fetch(`${gw.url}/v1/tasks/${res.body.id}`, { headers: { authorization: `Bearer ${a.key}` } })).json()) as { status: string },
      (t) => t.status === 'succeeded' || t.status === 'failed',
    );
    expect(task.status).toBe('succeeded');
  });

  it("lists file ids among each model's reference shapes in its public contract", async () => {
    const a = await account();
    const model = (await (await fetch(`${gw.url}/v1/models/local`, { headers: { authorization: `Bearer ${a.key}` } })).json()) as any;
    const shapes = (op: string) => model.imagegate.public_contract.operations.find((o: any) => o.operation === op).reference_images.shapes;
    expect(shapes('edit')).toContain('images[].file_id');
    expect(shapes('image-to-image')).toContain('reference_file_ids');
  });

  it('still refuses a top-level file_id on /v1/images/generations, as the seed documents say', async () => {
    const a = await account();
    const res = await postJson(`${gw.url}/v1/images/generations`, a.key, { model: 'local', prompt: 'x', file_id: 'file_1' });
    expect([res.status, res.body.error.param]).toEqual([400, 'file_id']);
  });
});

describe('signed hosted-image links beside the Files API', () => {
  it('keeps serving a signed hosted-image link issued before the change', async () => {
    // A link as the gateway has always issued it: /v1/files/<id>.<ext>?exp=…&sig=…, fetched with no key.
    const bytes = await png();
    const stored = await gw.gateway.pipeline.blobs.put('img_issuedbefore', 'png', bytes, 3600);
    const link = gw.gateway.pipeline.signer.urlFor(stored);
    expect(new URL(link).pathname).toBe('/v1/files/img_issuedbefore.png');
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    // A tampered signature is still refused, and the Files API's id route still wants a key.
    expect((await fetch(link.replace(/sig=[^&]+/, 'sig=AAAA'))).status).toBe(403);
    expect((await fetch(`${gw.url}/v1/files/img_issuedbefore`)).status).toBe(401);
  });

  it('serves the url of a generated image at the same public path, with no key', async () => {
    const a = await account();
    const res = await postJson(`${gw.url}/v1/images/generations`, a.key, { model: 'local', prompt: 'x', size: '64x64', response_format: 'url' });
    expect(res.status).toBe(200);
    const url = res.body.data[0].url as string;
    expect(new URL(url).pathname).toMatch(/^\/v1\/files\/img_[A-Za-z0-9_-]+\.png$/);
    const image = await fetch(url);
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/png']);
  });
});
