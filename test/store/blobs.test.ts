import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/store/blobs.js';
import { tempDir } from '../support/databases.js';

describe('LocalBlobStore', () => {
  it('has every byte readable the moment put resolves, while the caller reuses its buffer', async () => {
    const store = new LocalBlobStore(tempDir());
    const bytes = randomBytes(3 * 1024 * 1024);
    const expected = Buffer.from(bytes);
    const blobs = await Promise.all([0, 1, 2].map((i) => store.put(`img_${i}`, 'png', i === 1 ? expected : bytes, 3600)));
    bytes.fill(0); // the contract: the buffer is the caller's again once put resolved
    for (const blob of blobs) {
      const opened = await store.open(blob);
      expect(opened?.size).toBe(expected.length);
      expect((await buffer(opened!.stream)).equals(expected)).toBe(true);
    }
  });

  it('rejects put when the file cannot be created', async () => {
    const store = new LocalBlobStore(tempDir());
    // A name longer than the file system allows: open(2) fails with ENAMETOOLONG, even for root.
    await expect(store.put(`img_${'x'.repeat(300)}`, 'png', Buffer.from('y'), 3600)).rejects.toThrow(/ENAMETOOLONG/);
  });
});
