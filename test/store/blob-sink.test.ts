/**
 * An image streamed into the blob store as its base64 text arrives: the finished file is the image, a new
 * upstream answer starts a new file, a failed one leaves nothing behind, and the upstream is held back while
 * the disk lags.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pooledBytes } from '../../src/bytes/body-pool.js';
import { GatewayError } from '../../src/domain/errors.js';
import { BlobSink } from '../../src/pipeline/blob-sink.js';
import { type BlobFile, type BlobStore, LocalBlobStore, type StoredBlob } from '../../src/store/blobs.js';
import { tempDir } from '../support/databases.js';
import { until } from '../support/wait.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (bytes: number) => Buffer.concat([PNG_MAGIC, randomBytes(bytes - PNG_MAGIC.length)]);

/** The image's base64 text as an upstream sends it: JSON-escaped slashes, in 64 KB pieces. */
function piecesOf(image: Buffer, size = 65_536): Buffer[] {
  const text = Buffer.from(image.toString('base64').replaceAll('/', '\\/'), 'latin1');
  const pieces: Buffer[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.subarray(at, at + size));
  return pieces;
}

async function feed(sink: BlobSink, pieces: Buffer[]): Promise<void> {
  for (const p of pieces) await sink.write(p);
}

/** Every file under the store's root. */
function files(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('BlobSink', () => {
  it('writes the decoded image to a file named after its type', async () => {
    const dataDir = tempDir();
    const sink = new BlobSink(new LocalBlobStore(dataDir), 3600);
    const image = png(1_500_000);
    await feed(sink, piecesOf(image));
    const blob = await sink.finish();
    expect(blob.ext).toBe('png');
    expect(sink.started).toBe(false);
    const [file] = files(dataDir);
    expect(file).toMatch(new RegExp(`${blob.id}\\.png$`));
    expect(readFileSync(file!).equals(image)).toBe(true);
  });

  it('decodes into pooled buffers and gives them back once the file is written', async () => {
    const dataDir = tempDir();
    const sink = new BlobSink(new LocalBlobStore(dataDir), 3600);
    const image = png(1_500_000);
    const pieces = piecesOf(image);
    sink.restart(pieces.reduce((n, p) => n + p.length, 0) + 100);
    const before = pooledBytes();
    await feed(sink, pieces);
    await sink.finish();
    // One buffer, sized from the answer's declared length (the image's ¾ of it, in 256 KB steps), back in
    // the pool.
    expect(pooledBytes() - before).toBeGreaterThanOrEqual(image.length);
    expect(pooledBytes() - before).toBeLessThanOrEqual(image.length + 256 * 1024);
    expect(readFileSync(files(dataDir)[0]!).equals(image)).toBe(true);
  });

  it('starts a new file for a new upstream answer and removes the one before', async () => {
    const dataDir = tempDir();
    const sink = new BlobSink(new LocalBlobStore(dataDir), 3600);
    const first = png(3_000_000);
    await feed(sink, piecesOf(first).slice(0, 30));
    sink.restart();
    const second = png(700_000);
    await feed(sink, piecesOf(second, 10_000));
    await sink.finish();
    await new Promise((r) => setTimeout(r, 50));
    const all = files(dataDir);
    expect(all).toHaveLength(1);
    expect(readFileSync(all[0]!).equals(second)).toBe(true);
  });

  it('removes its file when the request fails, finished or not', async () => {
    const dataDir = tempDir();
    const unfinished = new BlobSink(new LocalBlobStore(dataDir), 3600);
    await feed(unfinished, piecesOf(png(3_000_000)).slice(0, 30));
    const finished = new BlobSink(new LocalBlobStore(dataDir), 3600);
    await feed(finished, piecesOf(png(400_000)));
    await finished.finish();
    // The unfinished one's first megabyte is on its way to the disk, not necessarily there yet.
    await until(() => files(dataDir).length === 2);
    await unfinished.discard();
    await finished.discard();
    expect(files(dataDir)).toEqual([]);
  });

  it('fails text that is not base64 as a retryable upstream error', () => {
    const sink = new BlobSink(new LocalBlobStore(tempDir()), 3600);
    let err: unknown;
    try {
      sink.write(Buffer.from('iVBORw0KGgo*AAAA'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'upstream_error', retryable: true });
  });

  it('holds the upstream back while its writes wait for the disk', async () => {
    // A store whose disk answers only when the test says so.
    const pending: Array<() => void> = [];
    let written = 0;
    const slowDisk: BlobStore = {
      put: () => Promise.reject(new Error('not used')),
      open: () => Promise.resolve(undefined),
      sweep: () => Promise.resolve(0),
      delete: () => Promise.resolve(),
      check: () => Promise.resolve(),
      create: async (id, ext): Promise<BlobFile> => ({
        write: (chunks) =>
          new Promise<void>((resolve) =>
            pending.push(() => {
              written += chunks.reduce((n, c) => n + c.length, 0);
              resolve();
            }),
          ),
        close: async (): Promise<StoredBlob> => ({ id, ext, expiresAt: 0 }),
        discard: () => Promise.resolve(),
      }),
    };
    const sink = new BlobSink(slowDisk, 3600);
    const image = png(12_000_000);
    const pieces = piecesOf(image);
    let wait: Promise<unknown> | undefined;
    let fed = 0;
    while (!wait && fed < pieces.length) wait = sink.write(pieces[fed++]!);
    // Told to wait once 2 MB (decoded) wait behind the 1 MB being written: long before the 16 MB of text are in.
    expect(wait).toBeInstanceOf(Promise);
    expect(fed).toBeLessThan(pieces.length / 2);
    let resumed = false;
    void wait!.then(() => (resumed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(resumed).toBe(false);
    while (pending.length) {
      pending.shift()!();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(resumed).toBe(true);
    const rest = (async () => {
      for (const p of pieces.slice(fed)) await sink.write(p);
      return sink.finish();
    })();
    // Keep answering the disk until the image is done.
    let done = false;
    void rest.then(() => (done = true));
    while (!done) {
      pending.shift()?.();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(written).toBe(image.length);
  });
});
