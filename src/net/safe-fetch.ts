/**
 * Fetches a client-supplied URL without letting it reach the gateway's own network: the host is resolved
 * here, every address is checked, and the connection is pinned to the checked address (no DNS-rebinding
 * window). Redirects are followed by hand and re-checked; size and time are capped while streaming.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { GatewayError, invalidRequest } from '../core/errors.js';
import { addressRefusal } from './address-policy.js';
import { checkUrl } from './url-policy.js';

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface SafeFetchOptions {
  param: string;
  allowlist: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  /** Content check on the first bytes (sniffing); throws to refuse. */
  accept?: (bytes: Buffer, contentType?: string) => void;
  signal?: AbortSignal;
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** DNS resolution, injectable for tests. */
  resolve?: Resolver;
}

export interface SafeFetchResult {
  bytes: Buffer;
  contentType?: string;
  finalUrl: string;
  status: number;
}

const defaultResolve: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

async function pinnedAddress(host: string, allowlisted: boolean, param: string, resolve: Resolver): Promise<{ address: string; family: number }> {
  if (isIP(host)) return { address: host, family: isIP(host) };
  let addrs: Array<{ address: string; family: number }>;
  try {
    addrs = await resolve(host);
  } catch {
    throw invalidRequest(param, `${param}: the host ${host} could not be resolved.`);
  }
  if (addrs.length === 0) throw invalidRequest(param, `${param}: the host ${host} has no address.`);
  if (!allowlisted) {
    for (const a of addrs) {
      const why = addressRefusal(a.address);
      if (why) throw invalidRequest(param, `${param}: the host ${host} resolves to ${a.address}, ${why}; only public http(s) URLs are allowed.`);
    }
  }
  return addrs[0]!;
}

export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<SafeFetchResult> {
  const maxRedirects = opts.maxRedirects ?? 3;
  const resolve = opts.resolve ?? defaultResolve;
  const deadline = Date.now() + opts.timeoutMs;
  const timer = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timer]) : timer;
  let current = rawUrl;
  for (let hop = 0; ; hop++) {
    const checked = checkUrl(current, opts.param, opts.allowlist);
    const pinned = await pinnedAddress(checked.host, checked.allowlisted, opts.param, resolve);
    // One connection pinned to the address that was checked; TLS still verifies the real host name.
    const agent = new Agent({
      connect: {
        lookup: (_host: string, o: { all?: boolean }, cb: (...args: unknown[]) => void) =>
          o?.all ? cb(null, [{ address: pinned.address, family: pinned.family }]) : cb(null, pinned.address, pinned.family),
      } as never,
      connections: 1,
    });
    try {
      const res = await request(checked.url, {
        method: opts.method ?? 'GET',
        body: opts.body,
        headers: { 'user-agent': 'imagegate', ...(opts.headers ?? {}) },
        dispatcher: agent,
        signal,
        headersTimeout: Math.max(1, deadline - Date.now()),
        bodyTimeout: Math.max(1, deadline - Date.now()),
      });
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && location && (opts.method ?? 'GET') === 'GET') {
        res.body.resume();
        if (hop >= maxRedirects) throw invalidRequest(opts.param, `${opts.param}: more than ${maxRedirects} redirects.`);
        const next = new URL(String(location), checked.url).toString();
        try {
          checkUrl(next, opts.param, opts.allowlist);
        } catch (e) {
          throw invalidRequest(opts.param, `${opts.param}: redirect to ${next} refused: ${(e as GatewayError).message}`);
        }
        current = next;
        continue;
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > opts.maxBytes) {
        res.body.destroy();
        throw invalidRequest(opts.param, `${opts.param}: the image is larger than ${opts.maxBytes} bytes.`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of res.body) {
        size += (c as Buffer).length;
        if (size > opts.maxBytes) {
          res.body.destroy();
          throw invalidRequest(opts.param, `${opts.param}: the image is larger than ${opts.maxBytes} bytes.`);
        }
        chunks.push(c as Buffer);
      }
      const bytes = Buffer.concat(chunks, size);
      const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
      if ((opts.method ?? 'GET') === 'GET') {
        if (res.statusCode !== 200) throw invalidRequest(opts.param, `${opts.param}: the URL returned HTTP ${res.statusCode}.`);
        opts.accept?.(bytes, contentType);
      }
      return { bytes, contentType, finalUrl: current, status: res.statusCode };
    } catch (e) {
      if (e instanceof GatewayError) throw e;
      if (timer.aborted) throw invalidRequest(opts.param, `${opts.param}: the URL did not answer within ${opts.timeoutMs} ms.`);
      throw invalidRequest(opts.param, `${opts.param}: the URL could not be fetched (${(e as { code?: string }).code ?? (e as Error).message}).`);
    } finally {
      void agent.close();
    }
  }
}
