/** The shape rules for a client-supplied URL: public http(s), no credentials, no fragment. */
import { isIP } from 'node:net';
import { invalidRequest } from '../core/errors.js';
import { addressRefusal } from './address-policy.js';

export interface CheckedUrl {
  url: URL;
  /** Host without IPv6 brackets. */
  host: string;
  port: number;
  /** Listed in IMAGEGATE_URL_ALLOWLIST: address rules do not apply. */
  allowlisted: boolean;
}

export function checkUrl(raw: string, param: string, allowlist: readonly string[]): CheckedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidRequest(param, `${param} is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest(param, `${param} must be an http or https URL, not ${url.protocol.replace(':', '')}.`);
  if (url.username || url.password) throw invalidRequest(param, `${param} must not contain credentials (user:password@).`);
  if (raw.includes('#')) throw invalidRequest(param, `${param} must not contain a fragment (#…).`);
  if (!url.hostname) throw invalidRequest(param, `${param} has no host.`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const allowlisted = allowlist.includes(`${host}:${port}`) || allowlist.includes(host) || allowlist.includes(`[${host}]:${port}`);
  if (!allowlisted && isIP(host)) {
    const why = addressRefusal(host);
    if (why) throw invalidRequest(param, `${param} points to ${host}, ${why}; only public http(s) URLs are allowed.`);
  }
  return { url, host, port, allowlisted };
}
