/**
 * The files table and its blobs on each database: account scoping, the per-account cap under concurrent
 * uploads, cursor pages both ways, deletes that remove the bytes, and the sweep of expired rows.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/store/blobs.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { blobOfFile, FileStore, type NewFile } from '../../src/store/files.js';
import { databases } from '../support/databases.js';

for (const variant of databases()) {
  describe(`file store on ${variant.name}`, () => {
    let db: Db | undefined;
    afterEach(async () => {
      await db?.close();
      db = undefined;
    });

    async function open(limits = { files: 100, bytes: 1_000_000 }) {
      const t = await variant.make();
      db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
      const now = Date.now();
      for (const id of ['acct_a', 'acct_b']) await db.kysely.insertInto('accounts').values({ id, name: id, balance: 0, created_at: now }).execute();
      const blobs = new LocalBlobStore(t.dataDir);
      return { files: new FileStore(db, blobs, limits), blobs, db, dataDir: t.dataDir };
    }

    const upload = (accountId: string, n = 0): NewFile => ({
      accountId,
      keyId: null,
      filename: `f${n}.png`,
      purpose: 'vision',
      bytes: Buffer.from(`bytes ${n}`),
      ext: 'png',
      ttlSeconds: 3600,
    });

    it('finds a file for its own account only', async () => {
      const { files } = await open();
      const row = await files.upload(upload('acct_a'));
      expect(row.id).toMatch(/^file_/);
      expect(await files.find('acct_a', row.id)).toMatchObject({ id: row.id, bytes: 7, purpose: 'vision' });
      expect(await files.find('acct_b', row.id)).toBeUndefined();
      expect(await files.open('acct_b', row.id)).toBeUndefined();
      const opened = await files.open('acct_a', row.id);
      expect((await buffer(opened!.stream)).toString()).toBe('bytes 0');
    });

    it('refuses uploads past the per-account cap, even when they arrive together', async () => {
      const { files, db, dataDir } = await open({ files: 3, bytes: 1_000_000 });
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => files.upload(upload('acct_a', i))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'invalid_request', param: 'file' });
      const rows = await db.kysely.selectFrom('files').select('id').where('account_id', '=', 'acct_a').execute();
      expect(rows).toHaveLength(3);
      // The bytes of the refused uploads did not stay behind.
      const stored = readdirSync(join(dataDir, 'blobs'), { recursive: true }).filter((f) => String(f).endsWith('.png'));
      expect(stored.map((f) => basename(String(f), '.png')).sort()).toEqual(rows.map((r) => r.id).sort());
      // Another account has a cap of its own.
      await expect(files.upload(upload('acct_b'))).resolves.toMatchObject({ account_id: 'acct_b' });
    });

    it('refuses an upload that would pass the bytes an account may keep, even when uploads arrive together', async () => {
      // Each upload is 7 bytes: 20 bytes hold two of them.
      const { files, db } = await open({ files: 100, bytes: 20 });
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => files.upload(upload('acct_a', i))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
        code: 'invalid_request',
        param: 'file',
        details: { limit_bytes: 20 },
      });
      const kept = await db.kysely.selectFrom('files').select('bytes').where('account_id', '=', 'acct_a').execute();
      expect(kept.reduce((n, r) => n + r.bytes, 0)).toBe(14);
    });

    it('pages an account by cursor, newest first or oldest first, and filters by purpose', async () => {
      const { files } = await open();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await files.upload(upload('acct_a', i), 1_000_000 + i)).id);
      await files.upload({ ...upload('acct_a', 9), purpose: 'user_data' }, 1_000_000 + 9);
      await files.upload(upload('acct_b'), 1_000_000);

      const first = await files.list('acct_a', { limit: 2, order: 'desc', purpose: 'vision' }, 1_000_100);
      expect(first.rows.map((r) => r.id)).toEqual([ids[4], ids[3]]);
      expect(first.hasMore).toBe(true);
      const second = await files.list('acct_a', { limit: 10, order: 'desc', purpose: 'vision', after: ids[3] }, 1_000_100);
      expect(second.rows.map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(second.hasMore).toBe(false);
      const asc = await files.list('acct_a', { limit: 3, order: 'asc', after: ids[0] }, 1_000_100);
      expect(asc.rows.map((r) => r.id)).toEqual([ids[1], ids[2], ids[3]]);
      // Another account's id as the cursor leads nowhere.
      const b = await files.list('acct_b', { limit: 10, order: 'desc', after: ids[0] }, 1_000_100);
      expect(b.rows).toEqual([]);
    });

    it('deletes the row and the bytes, and only for the owning account', async () => {
      const { files, blobs } = await open();
      const row = await files.upload(upload('acct_a'));
      expect(await files.delete('acct_b', row.id)).toBe(false);
      const kept = await blobs.open(blobOfFile(row));
      expect(kept).toBeDefined();
      expect((await buffer(kept!.stream)).toString()).toBe('bytes 0');
      expect(await files.delete('acct_a', row.id)).toBe(true);
      expect(await files.find('acct_a', row.id)).toBeUndefined();
      expect(await blobs.open(blobOfFile(row))).toBeUndefined();
      expect(await files.delete('acct_a', row.id)).toBe(false);
    });

    it('treats a file past its expiry as gone and sweeps its row', async () => {
      const { files, db } = await open();
      const row = await files.upload(upload('acct_a'));
      const after = row.expires_at + 1;
      expect(await files.find('acct_a', row.id, after)).toBeUndefined();
      expect((await files.list('acct_a', { limit: 10, order: 'desc' }, after)).rows).toEqual([]);
      expect(await files.sweep(row.expires_at - 1)).toBe(0);
      expect(await files.sweep(after)).toBe(1);
      expect(await db.kysely.selectFrom('files').select('id').execute()).toEqual([]);
    });
  });
}
