/**
 * Hosted images in an S3-compatible bucket, for deployments of several gateway instances: an image one
 * instance stored (a url answer, an async task's input image) must be readable by every other. Keys mirror
 * the local store's paths: `<prefix><expiry hour>/<id>.<ext>`, so serving needs no lookup and the sweep
 * removes past hours whole.
 *
 * Speaks S3's REST API with SigV4 over undici; no SDK. A blob written piece by piece is kept in memory and
 * sent with one PUT when it is complete: S3 needs a body's length before it starts, and multipart uploads
 * start at 5 MB parts, above a typical image.
 */
import { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import { MIME_OF_EXTENSION } from '../../domain/job.js';
import { type BlobFile, type BlobStore, blobPath, type DirectLink, isExpired, isPastExpiryHour, newBlob, type StoredBlob } from '../blobs.js';
import { errorCodeOf, parseListPage } from './list.js';
import { CredentialError } from './credentials/errors.js';
import type { CredentialProvider } from './credentials/types.js';
import { EMPTY_PAYLOAD_HASH, presignedGetUrl, queryString, signedHeaders, UNSIGNED_PAYLOAD, uriEncode } from './sigv4.js';

export interface S3Settings {
  bucket: string;
  /** Prepended to every key (e.g. `imagegate/`), so the bucket can hold other things. */
  prefix: string;
  /** Base URL of the service: AWS's regional endpoint by default, or a compatible store's. */
  endpoint: string;
  region: string;
  /** Bucket in the path (`endpoint/bucket/key`, most compatible stores) or in the host (`bucket.endpoint/key`, AWS). */
  pathStyle: boolean;
  /** Longest wait for S3 to answer one request. */
  timeoutMs: number;
  /** Image links redirect to presigned S3 URLs instead of being served through the gateway. */
  redirect: boolean;
}

/** What the configuration gives when IMAGEGATE_S3_BUCKET is set; endpoint and path style have AWS defaults. */
export function s3Settings(o: {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  timeoutMs?: number;
  redirect?: boolean;
}): S3Settings {
  const region = o.region || 'us-east-1';
  return {
    bucket: o.bucket,
    prefix: o.prefix ?? '',
    endpoint: (o.endpoint || `https://s3.${region}.amazonaws.com`).replace(/\/+$/, ''),
    region,
    // AWS's own endpoints take the bucket in the host name; compatible stores mostly in the path.
    pathStyle: o.pathStyle ?? Boolean(o.endpoint),
    timeoutMs: o.timeoutMs ?? 30_000,
    redirect: o.redirect ?? false,
  };
}

/** The longest a presigned URL may live (SigV4's limit). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const ATTEMPTS = 3;
const RETRY_STATUSES = new Set([500, 502, 503, 504]);
const RETRY_PAUSE_MS = 100;

export class S3Error extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`S3 ${operation} failed: HTTP ${status}${code ? ` ${code}` : ''}`);
    this.name = 'S3Error';
  }
}

export class S3BlobStore implements BlobStore {
  /** Every object URL starts with this (the bucket in the path or in the host), parsed once. */
  private readonly base: string;

  constructor(
    private readonly s: S3Settings,
    private readonly credentials: CredentialProvider,
    private readonly dispatcher?: Dispatcher,
  ) {
    const endpoint = new URL(s.endpoint);
    this.base = s.pathStyle
      ? `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, '')}/${uriEncode(s.bucket)}/`
      : `${endpoint.protocol}//${s.bucket}.${endpoint.host}/`;
  }

  keyOf(blob: StoredBlob): string {
    return this.s.prefix + blobPath(blob);
  }

  async put(id: string, ext: string, bytes: Buffer, ttlSeconds: number): Promise<StoredBlob> {
    const blob = newBlob(id, ext, ttlSeconds);
    await this.upload(blob, [bytes], bytes.length);
    return blob;
  }

  async create(id: string, ext: string, ttlSeconds: number): Promise<BlobFile> {
    const blob = newBlob(id, ext, ttlSeconds);
    // Copies: the caller reuses its buffers once write resolves.
    let chunks: Buffer[] = [];
    let size = 0;
    let uploading: Promise<void> | undefined;
    return {
      write: async (more) => {
        for (const c of more) {
          chunks.push(Buffer.from(c));
          size += c.length;
        }
      },
      close: async () => {
        const body = chunks;
        chunks = [];
        uploading = this.upload(blob, body, size);
        await uploading;
        return blob;
      },
      discard: async () => {
        chunks = [];
        // An upload under way lands after this otherwise, and its object would outlive the discard.
        if (
          uploading &&
          (await uploading.then(
            () => true,
            () => false,
          ))
        )
          await this.remove(this.keyOf(blob)).catch(() => {});
      },
    };
  }

  async open(blob: StoredBlob): Promise<{ stream: Readable; size: number } | undefined> {
    if (isExpired(blob)) return undefined;
    const res = await this.send('GET', this.keyOf(blob));
    if (res.statusCode === 404) {
      await res.body.dump();
      return undefined;
    }
    await this.expectOk('GetObject', res);
    return { stream: res.body, size: Number(res.headers['content-length']) };
  }

  /**
   * With `redirect` set, a presigned GET URL living as long as the blob has left (at most SigV4's 7 days; a
   * link's own expiry still ends it, since the gateway checks that before redirecting). A URL signed with
   * temporary credentials dies with them, so it is made to live no longer, and says when it ends.
   */
  async directLink(blob: StoredBlob, now = Date.now()): Promise<DirectLink | undefined> {
    if (!this.s.redirect) return undefined;
    const left = Math.ceil(blob.expiresAt - now / 1000);
    if (left <= 0) return undefined;
    const credentials = await this.credentials.get();
    const credentialsLeft = credentials.expiresAt === undefined ? Number.POSITIVE_INFINITY : Math.floor((credentials.expiresAt - now) / 1000);
    const expiresSeconds = Math.max(1, Math.min(left, MAX_PRESIGN_SECONDS, credentialsLeft));
    const url = presignedGetUrl({
      url: this.urlOf(this.keyOf(blob)),
      region: this.s.region,
      service: 's3',
      credentials,
      now: new Date(now),
      expiresSeconds,
    });
    return { url, expiresAt: Math.floor(now / 1000) + expiresSeconds };
  }

  async delete(blob: StoredBlob): Promise<void> {
    await this.remove(this.keyOf(blob));
  }

  /** Removes every object of the hours that have passed; returns how many hours it removed. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const hourPrefix of await this.list({ prefix: this.s.prefix, delimiter: '/' }, 'prefixes')) {
      if (!isPastExpiryHour(hourPrefix.slice(this.s.prefix.length, -1), now)) continue;
      for (const key of await this.list({ prefix: hourPrefix }, 'keys')) await this.remove(key);
      removed++;
    }
    return removed;
  }

  private async upload(blob: StoredBlob, body: Buffer[], size: number): Promise<void> {
    const res = await this.send('PUT', this.keyOf(blob), {
      headers: { 'content-type': MIME_OF_EXTENSION[blob.ext] ?? 'application/octet-stream', 'content-length': String(size) },
      body,
    });
    await this.expectOk('PutObject', res);
    await res.body.dump();
  }

  private async remove(key: string): Promise<void> {
    const res = await this.send('DELETE', key);
    // Deleting what is already gone is not a failure: the sweep of another instance may have been first.
    if (res.statusCode !== 404) await this.expectOk('DeleteObject', res);
    await res.body.dump();
  }

  /** One listing of at most one key under the prefix: the bucket answers and these credentials may read it. */
  async check(): Promise<void> {
    const res = await this.send('GET', '', { query: { 'list-type': '2', prefix: this.s.prefix, 'max-keys': '1' } });
    await this.expectOk('ListObjectsV2', res);
    await res.body.dump();
  }

  /** Every key or common prefix of a listing, across its pages. */
  private async list(params: { prefix: string; delimiter?: string }, what: 'keys' | 'prefixes'): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: params.prefix };
      if (params.delimiter) query.delimiter = params.delimiter;
      if (token) query['continuation-token'] = token;
      const res = await this.send('GET', '', { query });
      await this.expectOk('ListObjectsV2', res);
      const page = parseListPage(await res.body.text());
      out.push(...page[what]);
      token = page.next;
    } while (token);
    return out;
  }

  /**
   * One S3 request, retried like the AWS SDKs do: a connection that fails, a 500/502/503/504 (503 is also
   * S3's "slow down"), up to ATTEMPTS times with a growing pause. Every request here is idempotent (the same
   * bytes to the same key, reads, deletes). The last attempt's answer is the caller's to judge.
   */
  private async send(
    method: 'GET' | 'PUT' | 'DELETE',
    key: string,
    opts: { query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer[] } = {},
  ) {
    const url = this.urlOf(key, opts.query);
    for (let attempt = 1; ; attempt++) {
      const last = attempt === ATTEMPTS;
      try {
        const res = await this.sendOnce(method, url, opts);
        if (last || !RETRY_STATUSES.has(res.statusCode)) return res;
        await res.body.dump();
      } catch (err) {
        // No credentials is not a network blip: the chain has already retried what it could.
        if (last || err instanceof CredentialError) throw err;
      }
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS * 2 ** (attempt - 1)));
    }
  }

  private async sendOnce(method: string, url: URL, opts: { headers?: Record<string, string>; body?: Buffer[] }) {
    const credentials = await this.credentials.get();
    const headers = signedHeaders({
      method,
      url,
      headers: opts.headers ?? {},
      payloadHash: opts.body ? UNSIGNED_PAYLOAD : EMPTY_PAYLOAD_HASH,
      region: this.s.region,
      service: 's3',
      credentials,
      now: new Date(),
    });
    const chunks = opts.body;
    return request(url, {
      method,
      headers,
      // A fresh stream per attempt: one that was sent cannot be sent again.
      body: chunks && (chunks.length === 1 ? chunks[0] : Readable.from(chunks)),
      dispatcher: this.dispatcher,
      headersTimeout: this.s.timeoutMs,
      bodyTimeout: this.s.timeoutMs,
    });
  }

  private urlOf(key: string, query?: Record<string, string>): URL {
    const url = new URL(this.base + uriEncode(key, true));
    // Encoded as SigV4 encodes it: URLSearchParams would write a space as "+", which S3 reads as "+".
    if (query) url.search = queryString(Object.entries(query));
    return url;
  }

  private async expectOk(operation: string, res: Dispatcher.ResponseData): Promise<void> {
    if (res.statusCode >= 200 && res.statusCode < 300) return;
    const text = await res.body.text().catch(() => '');
    throw new S3Error(operation, res.statusCode, errorCodeOf(text));
  }
}
