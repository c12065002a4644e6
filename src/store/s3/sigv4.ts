/**
 * AWS Signature Version 4 for S3 requests (the Authorization header form), as AWS documents it in
 * "Authenticating Requests: Using the Authorization Header". Every S3-compatible store (MinIO, R2, Ceph,
 * Backblaze, Scaleway, …) accepts it.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS) come with a session token, sent as x-amz-security-token. */
  sessionToken?: string;
}

export interface SigningInput {
  method: string;
  url: URL;
  /** Headers to send and sign, besides host, x-amz-date and x-amz-content-sha256 (added here). */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or UNSIGNED_PAYLOAD. */
  payloadHash: string;
  region: string;
  service: string;
  credentials: AwsCredentials;
  now: Date;
}

/** The body is not part of the signature: S3 allows this for every request, and it saves hashing images. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_PAYLOAD_HASH = createHash('sha256').update('').digest('hex');

/** The headers to send: the caller's, plus host, x-amz-date, x-amz-content-sha256, the token and authorization. */
export function signedHeaders(input: SigningInput): Record<string, string> {
  const amzDate = amzDateOf(input.now);
  const headers: Record<string, string> = {
    ...lowerCased(input.headers),
    host: input.url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': input.payloadHash,
  };
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;
  const { scope, names, signature } = sign(input.method, input.url, headers, input.payloadHash, input, amzDate);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope},SignedHeaders=${names},Signature=${signature}`;
  return headers;
}

/**
 * A presigned GET URL ("Authenticating Requests: Using Query Parameters"): anyone holding it may read the
 * object for `expiresSeconds` (S3 accepts up to 7 days), no credentials needed.
 */
export function presignedGetUrl(input: Omit<SigningInput, 'method' | 'headers' | 'payloadHash'> & { expiresSeconds: number }): URL {
  const amzDate = amzDateOf(input.now);
  const url = new URL(input.url);
  const scope = scopeOf(amzDate, input);
  const params: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${input.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(input.expiresSeconds),
    'X-Amz-SignedHeaders': 'host',
  };
  if (input.credentials.sessionToken) params['X-Amz-Security-Token'] = input.credentials.sessionToken;
  url.search = queryString([...url.searchParams, ...Object.entries(params)]);
  const { signature } = sign('GET', url, { host: url.host }, UNSIGNED_PAYLOAD, input, amzDate);
  url.search += `&X-Amz-Signature=${signature}`;
  return url;
}

/** The canonical request, string to sign and signature of SigV4, from what is sent. */
function sign(
  method: string,
  url: URL,
  headers: Record<string, string>,
  payloadHash: string,
  who: Pick<SigningInput, 'region' | 'service' | 'credentials'>,
  amzDate: string,
) {
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = scopeOf(amzDate, who);
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = [amzDate.slice(0, 8), who.region, who.service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => hmac(k, part),
    `AWS4${who.credentials.secretAccessKey}`,
  );
  return { scope, names: names.join(';'), signature: hmac(key, stringToSign).toString('hex') };
}

const amzDateOf = (now: Date) =>
  now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const scopeOf = (amzDate: string, who: Pick<SigningInput, 'region' | 'service'>) => `${amzDate.slice(0, 8)}/${who.region}/${who.service}/aws4_request`;

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (uppercase). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A query string with names and values encoded as SigV4 encodes them. */
export function queryString(pairs: Iterable<readonly [string, string]>): string {
  return [...pairs].map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
}

/** S3 signs the path as sent, each segment encoded once (the URL may already hold %XX escapes). */
function canonicalPath(pathname: string): string {
  return uriEncode(decodeURIComponent(pathname || '/'), true);
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function lowerCased(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
