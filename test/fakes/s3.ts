/**
 * A fake S3-compatible object store (path-style: /<bucket>/<key>), speaking S3's REST protocol: PutObject,
 * GetObject, DeleteObject, ListObjectsV2 (prefix, delimiter, continuation tokens), XML errors. Every
 * request's SigV4 Authorization is checked against the request as it arrived: a header signed with one
 * value and sent with another, a wrong secret or a wrong region is a 403 SignatureDoesNotMatch, as S3
 * answers it. The keys it accepts can change while it runs (accept, revoke), as temporary credentials
 * come and go; a key issued with a session token is refused without that token (InvalidToken).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { presignedGetUrl, signedHeaders } from '../../src/store/s3/sigv4.js';
import { HttpFake, type RecordedRequest } from './http-fake.js';

export interface StoredObject {
  body: Buffer;
  contentType: string | undefined;
}

export const FAKE_S3_CREDENTIALS = { accessKeyId: 'AKIAFAKES3ACCESSKEY', secretAccessKey: 'fake-s3-secret-access-key-0123456789' };

export class FakeS3 extends HttpFake {
  /** Objects by bucket, then key. */
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  /** Most entries per ListObjectsV2 page (S3's is 1000); lower it to exercise continuation. */
  pageSize = 1000;
  /** Accepted keys by access key id. */
  private readonly keys = new Map<string, { secretAccessKey: string; sessionToken?: string }>();

  constructor(
    bucketNames: string[],
    readonly region = 'us-east-1',
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = FAKE_S3_CREDENTIALS,
  ) {
    super([]);
    this.accept(credentials);
    for (const b of bucketNames) this.buckets.set(b, new Map());
    this.routes.push(
      {
        method: 'PUT',
        path: /^\/([^/]+)\/(.+)$/,
        handle: (req, res, m) => this.guarded(req, res, m[1]!, (objects) => this.putObject(req, res, objects, decodeURIComponent(m[2]!))),
      },
      {
        method: 'GET',
        path: /^\/([^/]+)\/(.+)$/,
        handle: (req, res, m) => this.guarded(req, res, m[1]!, (objects) => this.getObject(res, objects, decodeURIComponent(m[2]!))),
      },
      {
        method: 'DELETE',
        path: /^\/([^/]+)\/(.+)$/,
        handle: (req, res, m) => this.guarded(req, res, m[1]!, (objects) => this.deleteObject(res, objects, decodeURIComponent(m[2]!))),
      },
      { method: 'GET', path: /^\/([^/]+)\/?$/, handle: (req, res, m) => this.guarded(req, res, m[1]!, (objects) => this.listObjects(req, res, objects)) },
    );
  }

  accept(c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): void {
    this.keys.set(c.accessKeyId, { secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
  }

  /** An expired or withdrawn key: refused from now on. */
  revoke(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
  }

  /** The secret of an accepted key, when the request carries the token the key was issued with. */
  private secretFor(accessKeyId: string, sessionToken: string | undefined): { secretAccessKey: string } | 'InvalidAccessKeyId' | 'InvalidToken' {
    const key = this.keys.get(accessKeyId);
    if (!key) return 'InvalidAccessKeyId';
    if (key.sessionToken !== undefined && key.sessionToken !== sessionToken) return 'InvalidToken';
    return key;
  }

  objects(bucket: string): Map<string, StoredObject> {
    return this.buckets.get(bucket)!;
  }

  private guarded(req: RecordedRequest, res: ServerResponse, bucket: string, then: (objects: Map<string, StoredObject>) => void): void {
    const refusal = this.checkSignature(req);
    if (refusal) return sendError(res, 403, refusal);
    const objects = this.buckets.get(decodeURIComponent(bucket));
    if (!objects) return sendError(res, 404, 'NoSuchBucket');
    then(objects);
  }

  /** Recomputes the signature from what arrived; the reason for a refusal, or undefined. */
  private checkSignature(req: RecordedRequest): string | undefined {
    if (req.query.has('X-Amz-Signature')) return this.checkPresigned(req);
    const auth = String(req.headers.authorization ?? '');
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return 'AccessDenied';
    const [, accessKeyId, , region, signedNames] = m;
    const key = this.secretFor(accessKeyId!, req.headers['x-amz-security-token'] as string | undefined);
    if (typeof key === 'string') return key;
    if (region !== this.region) return 'AuthorizationHeaderMalformed';
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(req.body).digest('hex')) return 'XAmzContentSHA256Mismatch';
    const now = parseAmzDate(String(req.headers['x-amz-date'] ?? ''));
    if (Number.isNaN(now.getTime()) || Math.abs(Date.now() - now.getTime()) > 15 * 60_000) return 'RequestTimeTooSkewed';
    const own = new Set(['host', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']);
    const headers: Record<string, string> = {};
    for (const name of signedNames!.split(';')) if (!own.has(name)) headers[name] = String(req.headers[name] ?? '');
    const url = new URL(`http://${req.headers.host}${req.path}`);
    url.search = req.query.toString();
    const expected = signedHeaders({
      method: req.method,
      url,
      headers,
      payloadHash,
      region: this.region,
      service: 's3',
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: key.secretAccessKey, sessionToken: req.headers['x-amz-security-token'] as string | undefined },
      now,
    });
    return expected.authorization === auth ? undefined : 'SignatureDoesNotMatch';
  }

  /** A presigned URL: its signature over the URL without it, its credential, and its expiry. */
  private checkPresigned(req: RecordedRequest): string | undefined {
    if (req.method !== 'GET') return 'AccessDenied';
    const q = req.query;
    const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request$/.exec(q.get('X-Amz-Credential') ?? '');
    if (!credential) return 'InvalidAccessKeyId';
    const key = this.secretFor(credential[1]!, q.get('X-Amz-Security-Token') ?? undefined);
    if (typeof key === 'string') return key;
    if (credential[3] !== this.region) return 'AuthorizationQueryParametersError';
    const now = parseAmzDate(q.get('X-Amz-Date') ?? '');
    const expires = Number(q.get('X-Amz-Expires'));
    if (Number.isNaN(now.getTime()) || !(expires > 0 && expires <= 604800)) return 'AuthorizationQueryParametersError';
    if (Date.now() > now.getTime() + expires * 1000) return 'AccessDenied';
    const url = new URL(`http://${req.headers.host}${req.path}`);
    const own = new Set([
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Security-Token',
      'X-Amz-Signature',
    ]);
    for (const [k, v] of q) if (!own.has(k)) url.searchParams.append(k, v);
    const expected = presignedGetUrl({
      url,
      region: this.region,
      service: 's3',
      credentials: { accessKeyId: credential[1]!, secretAccessKey: key.secretAccessKey, sessionToken: q.get('X-Amz-Security-Token') ?? undefined },
      now,
      expiresSeconds: expires,
    });
    return expected.searchParams.get('X-Amz-Signature') === q.get('X-Amz-Signature') ? undefined : 'SignatureDoesNotMatch';
  }

  private putObject(req: RecordedRequest, res: ServerResponse, objects: Map<string, StoredObject>, key: string): void {
    if (Number(req.headers['content-length']) !== req.body.length) return sendError(res, 400, 'IncompleteBody');
    objects.set(key, { body: req.body, contentType: req.headers['content-type'] });
    res.writeHead(200, { etag: `"${createHash('md5').update(req.body).digest('hex')}"`, 'content-length': 0 });
    res.end();
  }

  private getObject(res: ServerResponse, objects: Map<string, StoredObject>, key: string): void {
    const o = objects.get(key);
    if (!o) return sendError(res, 404, 'NoSuchKey');
    res.writeHead(200, { 'content-type': o.contentType ?? 'binary/octet-stream', 'content-length': o.body.length });
    res.end(o.body);
  }

  private deleteObject(res: ServerResponse, objects: Map<string, StoredObject>, key: string): void {
    // S3 answers 204 whether or not the key existed.
    objects.delete(key);
    res.writeHead(204);
    res.end();
  }

  private listObjects(req: RecordedRequest, res: ServerResponse, objects: Map<string, StoredObject>): void {
    if (req.query.get('list-type') !== '2') return sendError(res, 400, 'InvalidArgument');
    const prefix = req.query.get('prefix') ?? '';
    const delimiter = req.query.get('delimiter') ?? '';
    const after = req.query.has('continuation-token') ? Buffer.from(req.query.get('continuation-token')!, 'base64').toString('utf8') : '';
    // Keys and rolled-up prefixes in one sorted list, as S3 pages them.
    const entries = new Map<string, 'key' | 'prefix'>();
    for (const key of objects.keys()) {
      if (!key.startsWith(prefix)) continue;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) entries.set(key.slice(0, cut + delimiter.length), 'prefix');
      else entries.set(key, 'key');
    }
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).filter(([name]) => name > after);
    const page = sorted.slice(0, Math.min(this.pageSize, Number(req.query.get('max-keys') ?? 1000)));
    const truncated = page.length < sorted.length;
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
      `<Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><IsTruncated>${truncated}</IsTruncated>`,
      truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)![0]).toString('base64')}</NextContinuationToken>` : '',
      ...page.map(([name, kind]) =>
        kind === 'key'
          ? `<Contents><Key>${escapeXml(name)}</Key><Size>${objects.get(name)!.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
          : `<CommonPrefixes><Prefix>${escapeXml(name)}</Prefix></CommonPrefixes>`,
      ),
      '</ListBucketResult>',
    ].join('');
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
  }
}

/** `20130524T000000Z` → the Date it names (Invalid Date when it is not one). */
function parseAmzDate(d: string): Date {
  return new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
}

function sendError(res: ServerResponse, status: number, code: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>fake S3: ${code}</Message><RequestId>fake</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
