/**
 * Fetches a client-supplied URL (a reference image, a webhook callback) without letting it reach the
 * gateway's own network: the host is resolved here, every address is checked, and the connection is pinned
 * to the checked addresses (no DNS-rebinding window). Redirects are followed by hand, each target
 * re-checked by the same rules. Size is capped while streaming and the whole fetch — DNS, redirects and
 * body — has one time limit, so a slow-drip body cannot hold a worker.
 *
 * Every refusal or failure is a 400 invalid_request naming `param`: the URL is the client's input.
 */
import { GatewayError, isGatewayError } from '../domain/errors.js';
import { pinnedAgent } from './pinned-agent.js';
import { discard, readCapped } from './response-body.js';
import { type ConnectTarget, type LookupAll, resolveTarget, systemLookup } from './resolve-target.js';

export type { LookupAll } from './resolve-target.js';

export interface SafeFetchOptions {
  /** The request field the URL came from, e.g. `image_urls[1]`; named in every error. */
  param: string;
  /** `host` or `host:port` entries (lowercase) that may be private or loopback. */
  allowlist: readonly string[];
  maxBytes: number;
  /** For the whole fetch: DNS, every redirect hop and the body. */
  timeoutMs: number;
  /** Redirects followed for GET (default 3); POST never follows redirects. */
  maxRedirects?: number;
  /** Content check (e.g. sniffing the image type) on the returned bytes; throws to refuse them. */
  accept?: (bytes: Buffer, contentType?: string) => void;
  signal?: AbortSignal;
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** DNS resolution; injectable so tests can play a rebinding resolver. Default: the system resolver. */
  lookup?: LookupAll;
}

export interface SafeFetchResult {
  bytes: Buffer;
  contentType?: string;
  finalUrl: string;
  status: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Transport failures in words a caller can act on; the code is kept for the operator. */
const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection closed early',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not issued by a trusted authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate could not be verified',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its TLS certificate could not be verified',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is not valid for this host name',
};

function describeFailure(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return 'network error';
  return NETWORK_FAILURES[code] ? `${NETWORK_FAILURES[code]} (${code})` : code;
}

/** A URL as shown in messages: without the query, which may carry tokens, and never very long. */
function shown(url: URL): string {
  const text = `${url.origin}${url.pathname}`;
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<SafeFetchResult> {
  const method = opts.method ?? 'GET';
  const maxRedirects = opts.maxRedirects ?? 3;
  const lookup = opts.lookup ?? systemLookup;
  const timer = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timer]) : timer;
  const fail = (why: string, cause?: unknown) => new GatewayError('invalid_request', `${opts.param}: ${why}.`, { param: opts.param, cause });

  try {
    const first = await resolveTarget(rawUrl, opts.allowlist, lookup, signal);
    if (!first.ok) throw fail(first.reason);
    let target: ConnectTarget = first.target;
    for (let redirects = 0; ; redirects++) {
      const agent = pinnedAgent(target.addresses);
      try {
        // Caller headers (e.g. a signature) go only to the origin the caller named, never to a redirect target.
        const sameOrigin = target.url.origin === first.target.url.origin;
        const res = await agent.request({
          origin: target.url.origin,
          path: `${target.url.pathname}${target.url.search}`,
          method,
          body: method === 'POST' ? opts.body : undefined,
          headers: { 'user-agent': 'imagegate', ...(sameOrigin ? opts.headers : {}) },
          signal,
        });
        const location = res.headers.location;
        if (method === 'GET' && REDIRECT_STATUSES.has(res.statusCode) && typeof location === 'string') {
          discard(res.body);
          if (redirects >= maxRedirects) throw fail(`${shown(target.url)} redirected more than ${maxRedirects} times; send the final URL of the content`);
          let next: string;
          try {
            next = new URL(location, target.url).href;
          } catch {
            throw fail(`redirect from ${shown(target.url)} refused: its Location is not a valid URL`);
          }
          const judged = await resolveTarget(next, opts.allowlist, lookup, signal);
          if (!judged.ok) throw fail(`redirect to ${shown(new URL(next))} refused: ${judged.reason}`);
          target = judged.target;
          continue;
        }
        if (method === 'GET' && (res.statusCode < 200 || res.statusCode > 299)) {
          discard(res.body);
          throw fail(`${shown(target.url)} returned HTTP ${res.statusCode}`);
        }
        const declared = Number(res.headers['content-length']);
        // Refused before reading when the server says up front that the body is too large.
        const declaredTooLarge = declared > opts.maxBytes;
        if (declaredTooLarge) discard(res.body);
        const bytes = declaredTooLarge ? undefined : await readCapped(res.body, opts.maxBytes);
        if (!bytes) throw fail(`the response from ${shown(target.url)} is larger than ${opts.maxBytes} bytes, the most accepted here`);
        const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
        if (opts.accept) acceptOrFail(opts.accept, bytes, contentType, fail);
        return { bytes, contentType, finalUrl: target.url.href, status: res.statusCode };
      } finally {
        void agent.destroy().catch(() => undefined);
      }
    }
  } catch (e) {
    if (isGatewayError(e)) throw e;
    if (timer.aborted) throw fail(`fetching the URL did not finish within ${opts.timeoutMs} ms`, e);
    if (opts.signal?.aborted) throw fail('fetching the URL was cancelled', e);
    throw fail(`the URL could not be fetched: ${describeFailure(e)}`, e);
  }
}

function acceptOrFail(
  accept: NonNullable<SafeFetchOptions['accept']>,
  bytes: Buffer,
  contentType: string | undefined,
  fail: (why: string, cause?: unknown) => GatewayError,
): void {
  try {
    accept(bytes, contentType);
  } catch (e) {
    if (isGatewayError(e)) throw e;
    throw fail(`the content was refused: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
