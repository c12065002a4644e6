import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/store/blobs.js';
import { tempDir } from '../support/databases.js';

describe('LocalBlobStore', () => {
  it('has every byte in the file the moment put resolves, so the caller may reuse its buffer at once', async () => {
    const store = new LocalBlobStore(tempDir());
    const bytes = Buffer.allocUnsafe(8 * 1024 * 1024);
    const blobs = [];
    for (let i = 0; i < 4; i++) {
      bytes.fill(i + 1);
      blobs.push(await store.put(`img_${i}`, 'png', bytes, 3600));
      bytes.fill(0xee); // the buffer is the caller's again: a write still reading it would store this
    }
    for (const [i, blob] of blobs.entries()) {
      const opened = await store.open(blob);
      expect(opened?.size).toBe(bytes.length);
      expect((await buffer(opened!.stream)).equals(Buffer.alloc(bytes.length, i + 1))).toBe(true);
    }
  });

  it('keeps a blob at least its time to live, whatever the millisecond it was stored at', async () => {
    const store = new LocalBlobStore(tempDir());
    for (let i = 0; i < 5; i++) {
      const before = Date.now();
      const put = await store.put(`img_put_${i}`, 'png', Buffer.from('x'), 1);
      const created = await store.create(`img_new_${i}`, 'png', 1);
      const streamed = await created.close();
      for (const blob of [put, streamed]) expect(blob.expiresAt * 1000).toBeGreaterThanOrEqual(before + 1000);
      await new Promise((r) => setTimeout(r, 137));
    }
  });

  it('deletes one blob before its expiry, and a blob already gone is no failure', async () => {
    const store = new LocalBlobStore(tempDir());
    const kept = await store.put('file_kept', 'png', Buffer.from('k'), 3600);
    const gone = await store.put('file_gone', 'png', Buffer.from('g'), 3600);
    await store.delete(gone);
    expect(await store.open(gone)).toBeUndefined();
    await expect(store.delete(gone)).resolves.toBeUndefined();
    const opened = await store.open(kept);
    expect((await buffer(opened!.stream)).toString()).toBe('k');
  });

  it('rejects put when the file cannot be created', async () => {
    const store = new LocalBlobStore(tempDir());
    // A name longer than the file system allows: open(2) fails with ENAMETOOLONG, even for root.
    await expect(store.put(`img_${'x'.repeat(300)}`, 'png', Buffer.from('y'), 3600)).rejects.toThrow(/ENAMETOOLONG/);
  });
});
