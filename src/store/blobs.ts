/**
 * Hosted images. Blobs live under `<dataDir>/blobs/<expiry hour>/<id>.<ext>` (or the same keys in an S3
 * bucket: s3/store.ts): the expiry is part of the path, so serving needs no database lookup and the janitor
 * removes whole past hours with one rmdir each.
 * Links are signed (HMAC over the path and expiry) and expire; see signed-url.ts.
 */
import { close, createReadStream, open, writev } from 'node:fs';
import { access, constants, mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const openFile = promisify(open);
const writeSomeOf = promisify(writev);

export interface StoredBlob {
  id: string;
  ext: string;
  /** Unix seconds after which the blob is gone. */
  expiresAt: number;
}

/** A blob written piece by piece as its bytes arrive (pipeline/blob-sink.ts). */
export interface BlobFile {
  /** Appends the chunks, in order; one call at a time. */
  write(chunks: Buffer[]): Promise<void>;
  /** The blob, complete and stored: only now may a link to it be handed out. */
  close(): Promise<StoredBlob>;
  /** Removes what was written (a failed or abandoned image). */
  discard(): Promise<void>;
}

export interface BlobStore {
  /** `bytes` may be reused by the caller once the returned promise settles: a store must not keep them. */
  put(id: string, ext: string, bytes: Buffer, ttlSeconds: number): Promise<StoredBlob>;
  /** A blob to be written piece by piece. */
  create(id: string, ext: string, ttlSeconds: number): Promise<BlobFile>;
  /** A read stream and its size, or undefined when missing or expired. */
  open(blob: StoredBlob): Promise<{ stream: Readable; size: number } | undefined>;
  /** Removes one blob before its expiry (a deleted file); a blob already gone is no failure. */
  delete(blob: StoredBlob): Promise<void>;
  /** Remove expired blobs; returns how many expiry buckets were removed. */
  sweep(now?: number): Promise<number>;
  /** Resolves when the store can take writes now (readiness probe); rejects with why not. */
  check(): Promise<void>;
  /**
   * Where a client may fetch the blob directly, bypassing the gateway (an S3 presigned URL), when the
   * store is set to hand those out; undefined to have the gateway serve it.
   */
  directLink?(blob: StoredBlob): Promise<DirectLink | undefined>;
}

/** A URL that serves a blob without the gateway, and when it stops working (which may be before the blob's expiry). */
export interface DirectLink {
  url: URL;
  /** Unix seconds. */
  expiresAt: number;
}

const HOUR = 3600;

/**
 * Where a blob lives is named by the hour it expires in, rounded up (a blob is never removed before its
 * expiry): serving needs no lookup, and removing a past hour removes all it held.
 */
export function expiryHourOf(expiresAt: number): number {
  return Math.ceil(expiresAt / HOUR);
}

/** The hour whose blobs are all past their expiry before it: every hour lower than this one. */
export function currentExpiryHour(now = Date.now()): number {
  return expiryHourOf(now / 1000);
}

/** A blob's place under the store's root (a directory, a bucket prefix): `<expiry hour>/<id>.<ext>`. */
export function blobPath(blob: StoredBlob): string {
  return `${expiryHourOf(blob.expiresAt)}/${blob.id}.${blob.ext}`;
}

/** Hours further back than this (ten years) are never taken for expiry hours. */
const OLDEST_SWEPT_HOURS = 24 * 366 * 10;

/**
 * Whether a folder under the store's root is an expiry hour that has passed, whose blobs may all go. Only
 * names that can be hours of ours: an S3 bucket shared with other data may hold numbered folders ("2024/")
 * beside them, and a sweep removes whole folders.
 */
export function isPastExpiryHour(name: string, now = Date.now()): boolean {
  if (!/^\d+$/.test(name)) return false;
  const hour = Number(name);
  const current = currentExpiryHour(now);
  return hour < current && hour >= current - OLDEST_SWEPT_HOURS;
}

/** A new blob's record. The expiry is rounded up: a link lives at least ttlSeconds (rounded down, a 1 s
 * link could be expired when handed out). */
export function newBlob(id: string, ext: string, ttlSeconds: number): StoredBlob {
  return { id, ext, expiresAt: Math.ceil(Date.now() / 1000) + ttlSeconds };
}

export function isExpired(blob: StoredBlob, now = Date.now()): boolean {
  return blob.expiresAt * 1000 < now;
}

export class LocalBlobStore implements BlobStore {
  private readonly root: string;
  private readonly made = new Set<string>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
  }

  private pathOf(b: StoredBlob): string {
    return join(this.root, blobPath(b));
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }

  /**
   * Open, one write(2) of the whole buffer (fs/promises' writeFile splits it into 512 KB writes, each a round
   * trip through the event loop), and a close that is not waited for: every thread-pool round trip costs a
   * wake-up of a pool thread and then of the main thread, which on a loaded 2-core machine took several ms
   * each (strace: 5.7 ms p50 from open to write).
   */
  async put(id: string, ext: string, bytes: Buffer, ttlSeconds: number): Promise<StoredBlob> {
    const file = await this.create(id, ext, ttlSeconds);
    try {
      await file.write([bytes]);
    } catch (err) {
      await file.discard();
      throw err;
    }
    return file.close();
  }

  async create(id: string, ext: string, ttlSeconds: number): Promise<BlobFile> {
    const blob = newBlob(id, ext, ttlSeconds);
    const dir = dirname(this.pathOf(blob));
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    const path = this.pathOf(blob);
    const fd = await openFile(path, 'w');
    let open = true;
    const closeOnce = () => {
      if (open) close(fd, () => {});
      open = false;
    };
    return {
      async write(chunks) {
        // writev(2) may take fewer bytes than asked; the rest goes in the next call.
        let left = chunks;
        while (left.length) {
          let n = (await writeSomeOf(fd, left)).bytesWritten;
          while (left.length && n >= left[0]!.length) {
            n -= left[0]!.length;
            left = left.slice(1);
          }
          if (n > 0) left = [left[0]!.subarray(n), ...left.slice(1)];
        }
      },
      async close() {
        // The bytes are in the file once write returned, so a reader can open it at once; a close of a local
        // regular file only fails for a bad fd, and nothing written is at stake: it is not waited for.
        closeOnce();
        return blob;
      },
      async discard() {
        closeOnce();
        await unlink(path).catch(() => {});
      },
    };
  }

  async open(blob: StoredBlob): Promise<{ stream: Readable; size: number } | undefined> {
    if (isExpired(blob)) return undefined;
    const path = this.pathOf(blob);
    try {
      const s = await stat(path);
      return { stream: createReadStream(path), size: s.size };
    } catch {
      return undefined;
    }
  }

  async delete(blob: StoredBlob): Promise<void> {
    await unlink(this.pathOf(blob)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    let buckets: string[];
    try {
      buckets = await readdir(this.root);
    } catch {
      return 0;
    }
    for (const b of buckets) {
      if (isPastExpiryHour(b, now)) {
        await rm(join(this.root, b), { recursive: true, force: true });
        this.made.delete(join(this.root, b));
        removed++;
      }
    }
    return removed;
  }
}
