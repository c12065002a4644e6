/**
 * An image streamed into the blob store while its base64 text is still arriving from the upstream: the url
 * reply's counterpart of server/pass-through-reply.ts. Each piece is decoded at once and the bytes are written in
 * batches, so neither the upstream's body (~2 MB for a 1.5 MB image) nor the decoded image is ever held
 * whole.
 *
 * Nothing reaches the client before the image is complete, so the sink never counts as `started` and a
 * failure may still be retried: each upstream answer starts a new file (`restart`), and the file of an
 * attempt that failed, or of an image whose request failed later, is removed (`discard`). A link is made
 * only from a finished file.
 */
import { BodyLease, JsonBase64Decoder } from '../bytes/index.js';
import { GatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { sniffImageType } from '../media/image-input.js';
import { EXTENSION_OF_MIME } from '../domain/job.js';
import type { PassThroughSink } from '../domain/adapter.js';
import type { BlobFile, BlobStore, StoredBlob } from '../store/blobs.js';

/**
 * Decoded bytes are written once this many are waiting: two writes for a 1.5 MB image. Each write is a trip
 * through the thread pool, which costs ms on a loaded machine; 256 KB batches measured ~7% fewer url
 * requests per second at 32 connections (A/B).
 */
const WRITE_FROM_BYTES = 1024 * 1024;
/** The upstream is read no further while this many decoded bytes wait for the disk. */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Buffers decoded into when the answer's size is unknown (or outgrown): a write's worth and a few pieces. */
const REGION_BYTES = WRITE_FROM_BYTES + 128 * 1024;
/** Enough bytes to tell the image's type by its magic bytes. */
const SNIFF_BYTES = 32;

export class BlobSink implements PassThroughSink {
  /** Nothing went to the client: a failure can be retried (pipeline/dispatch.ts). */
  readonly started = false;
  private attempt: Attempt;

  constructor(
    private readonly store: BlobStore,
    private readonly ttlSeconds: number,
  ) {
    this.attempt = new Attempt(store, ttlSeconds);
  }

  /** `answerBytes`, the upstream body's length when it is declared, sizes the buffer decoded into. */
  restart(answerBytes?: number): void {
    const old = this.attempt;
    // The image's text is at most the whole body: it decodes to at most three bytes for every four.
    this.attempt = new Attempt(this.store, this.ttlSeconds, answerBytes === undefined ? undefined : Math.ceil(answerBytes / 4) * 3);
    void old.discard();
  }

  write(piece: Buffer): Promise<unknown> | undefined {
    return this.attempt.write(piece);
  }

  /** The image, written whole: the blob a link may now point to. */
  finish(): Promise<StoredBlob> {
    return this.attempt.finish();
  }

  /** Removes the current attempt's file, finished or not. */
  discard(): Promise<void> {
    return this.attempt.discard();
  }
}

/** Text that is not base64 is the upstream's fault, and another try may get a good answer. */
function decoded(decode: () => number): number {
  try {
    return decode();
  } catch (e) {
    throw new GatewayError('upstream_error', `The provider's image is not valid base64: ${(e as Error).message}`, { retryable: true, cause: e });
  }
}

/**
 * One upstream answer's image: its decoder, its file, and the pooled buffers it decodes into
 * (bytes/body-pool.ts), which are not garbage for the collector to chase as ~48 KB buffers per piece were.
 * With the body's length known, one buffer holds the whole image; parts of it go to the disk as they fill,
 * and the buffers go back to the pool once no write reads them.
 */
class Attempt {
  private readonly decoder = new JsonBase64Decoder();
  private readonly lease = new BodyLease();
  /** The buffer being decoded into, how far it is filled, and how much of that is queued for the disk. */
  private region: Buffer | undefined;
  private filled = 0;
  private handedOn = 0;
  private file: Promise<BlobFile> | undefined;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** The batches being written; it never rejects (a failure is kept in `failure`). */
  private writing: Promise<void> = Promise.resolve();
  private busy = false;
  private failure: unknown;
  private abandoned = false;

  constructor(
    private readonly store: BlobStore,
    private readonly ttlSeconds: number,
    /** The most the image can decode to, from the body's declared length. */
    private readonly expectedBytes?: number,
  ) {}

  write(piece: Buffer): Promise<unknown> | undefined {
    if (this.failure) throw this.failure;
    const into = this.roomFor(JsonBase64Decoder.room(piece.length));
    this.filled += decoded(() => this.decoder.push(piece, into, this.filled));
    if (this.filled - this.handedOn >= WRITE_FROM_BYTES) this.handOn();
    if (!this.busy && this.queuedBytes > 0) this.startWriting();
    return this.queuedBytes >= MAX_QUEUED_BYTES ? this.writing : undefined;
  }

  async finish(): Promise<StoredBlob> {
    try {
      const into = this.roomFor(JsonBase64Decoder.room(0));
      this.filled += decoded(() => this.decoder.end(into, this.filled));
      this.handOn();
      await this.writing;
      if (this.queuedBytes > 0) await this.startWriting();
      if (this.failure) throw this.failure;
      if (!this.file) throw new Error('The image had no bytes.');
      return await (await this.file).close();
    } finally {
      // Written or failed: once no write is under way, nothing reads the buffers again.
      await this.writing;
      this.lease.giveBack();
    }
  }

  async discard(): Promise<void> {
    this.abandoned = true;
    await this.writing;
    this.lease.giveBack();
    const file = await this.file?.catch(() => undefined);
    await file?.discard();
  }

  /** The region, with at least `bytes` free after what is filled: a new one when it has not. */
  private roomFor(bytes: number): Buffer {
    if (this.region && this.region.length - this.filled >= bytes) return this.region;
    this.handOn();
    const left = this.expectedBytes !== undefined ? this.expectedBytes - this.decoder.decodedBytes : 0;
    this.region = this.lease.take(Math.max(bytes, left > bytes ? left : REGION_BYTES));
    this.filled = 0;
    this.handedOn = 0;
    return this.region;
  }

  /** Queues for the disk what the region holds beyond what was queued before. */
  private handOn(): void {
    if (!this.region || this.filled === this.handedOn) return;
    this.queued.push(this.region.subarray(this.handedOn, this.filled));
    this.queuedBytes += this.filled - this.handedOn;
    this.handedOn = this.filled;
  }

  private startWriting(): Promise<void> {
    this.busy = true;
    this.writing = this.writeQueued();
    return this.writing;
  }

  /** Writes what is queued, batch after batch, until nothing is. */
  private async writeQueued(): Promise<void> {
    try {
      while (!this.abandoned && this.queuedBytes > 0) {
        const batch = this.queued;
        this.queued = [];
        this.queuedBytes = 0;
        this.file ??= this.open(batch);
        await (await this.file).write(batch);
      }
    } catch (err) {
      this.failure = err;
    } finally {
      this.busy = false;
    }
  }

  /** The file is named after the image's type, which its first bytes tell. */
  private open(first: Buffer[]): Promise<BlobFile> {
    const head = first[0]!.length >= SNIFF_BYTES ? first[0]! : Buffer.concat(first).subarray(0, SNIFF_BYTES);
    const mime = sniffImageType(head);
    return this.store.create(newId('img'), (mime && EXTENSION_OF_MIME[mime]) ?? 'png', this.ttlSeconds);
  }
}
