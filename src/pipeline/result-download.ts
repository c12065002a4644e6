/**
 * Downloads an image a provider answered with as a URL, through the pinned-address fetch (net/safe-fetch.ts):
 * the URL is the upstream's output, so it may not reach the gateway's own network — except the host of the
 * route that answered, which the operator configured and so trusts (a self-hosted server on a private
 * address serves its results from itself). IMAGEGATE_URL_ALLOWLIST, which is about clients' URLs, has no
 * say here.
 */
import type { Route } from '../domain/adapter.js';
import { GatewayError, isGatewayError } from '../domain/errors.js';
import { safeFetch } from '../net/safe-fetch.js';

export const MAX_RESULT_BYTES = 64 * 1024 * 1024;

export interface DownloadedResult {
  bytes: Buffer;
  contentType?: string;
}

/** `host:port` of the route's configured base URL, the one private host its results may come from. */
export function trustedHostOf(route: Pick<Route, 'baseUrl'>): string[] {
  let url: URL;
  try {
    url = new URL(route.baseUrl);
  } catch {
    return [];
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return [`${url.hostname.replace(/\.$/, '').toLowerCase()}:${port}`];
}

export async function downloadResult(
  url: string,
  route: Pick<Route, 'baseUrl'>,
  fetching: { signal: AbortSignal; deadline: number },
): Promise<DownloadedResult> {
  try {
    const res = await safeFetch(url, {
      param: 'the generated image URL',
      allowlist: trustedHostOf(route),
      maxBytes: MAX_RESULT_BYTES,
      timeoutMs: Math.max(1, fetching.deadline - Date.now()),
      signal: fetching.signal,
    });
    return { bytes: res.bytes, ...(res.contentType ? { contentType: res.contentType } : {}) };
  } catch (e) {
    // safeFetch words its refusals as the client's fault; here the URL is the provider's answer.
    const why = isGatewayError(e) ? e.message : String(e);
    throw new GatewayError('upstream_error', `Downloading the generated image from the provider failed: ${why}`, { retryable: false, cause: e });
  }
}
