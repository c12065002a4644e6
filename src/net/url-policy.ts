/**
 * The rules for a client-supplied URL before anything is resolved or fetched: public http(s), no
 * credentials, no fragment, a host, an allowed port, and an IP-literal host that is a public address.
 * The allowlist (IMAGEGATE_URL_ALLOWLIST entries `host` or `host:port`) is the only way past the address
 * rules, for tests and private deployments.
 *
 * The parsed URL object returned here is the one that gets fetched, so the check and the request cannot
 * disagree about what the string means (WHATWG parsing turns `http://0x7f.1/` into 127.0.0.1 first).
 */
import { isIP } from 'node:net';
import { invalidRequest } from '../domain/errors.js';
import { addressRefusal } from './address-policy.js';

export interface CheckedUrl {
  url: URL;
  /** Lowercase host without IPv6 brackets or a trailing dot. */
  host: string;
  port: number;
  /** Listed in the allowlist: the address rules do not apply to this host and port. */
  allowlisted: boolean;
}

export type UrlJudgement = { ok: true; target: CheckedUrl } | { ok: false; reason: string };

const SCHEMES = new Set(['http:', 'https:']);
const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 };
/** Below 1024 only the web ports: the gateway must not be usable to talk to mail, SSH or other services. */
const portAllowed = (port: number) => port === 80 || port === 443 || (port >= 1024 && port <= 65535);

function allowlistKeys(host: string, port: number): string[] {
  const name = isIP(host) === 6 ? `[${host}]` : host;
  return [`${name}:${port}`, name];
}

/** Why `raw` may not be fetched, or the checked target. Reasons are whole clauses, shown after "<param>: ". */
export function judgeUrl(raw: string, allowlist: readonly string[]): UrlJudgement {
  const refuse = (reason: string): UrlJudgement => ({ ok: false, reason });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('the URL is not a valid absolute URL; send a full http(s) URL such as https://example.com/image.png');
  }
  if (!SCHEMES.has(url.protocol)) return refuse(`the URL uses the ${url.protocol.slice(0, -1)}: scheme; only http and https URLs are allowed`);
  // WHATWG parsing would take "http:///x" as host "x"; insist on a written authority.
  if (!/^https?:\/\/[^/?#\\]/i.test(raw.trim()) || !url.hostname)
    return refuse('the URL has no host; send a full http(s) URL such as https://example.com/image.png');
  if (url.username || url.password) return refuse('the URL contains credentials (user:password@); remove them from the URL');
  // url.hash is empty for a bare "#", so look at the text.
  if (raw.includes('#')) return refuse('the URL contains a fragment (#...); remove it from the URL');
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const port = url.port ? Number(url.port) : DEFAULT_PORT[url.protocol]!;
  const listed = new Set(allowlist.map((e) => e.trim().toLowerCase()));
  const allowlisted = allowlistKeys(host, port).some((k) => listed.has(k));
  if (!allowlisted) {
    if (!portAllowed(port)) return refuse(`the URL uses port ${port}; only ports 80, 443 and 1024-65535 are allowed`);
    if (isIP(host)) {
      const why = addressRefusal(host);
      if (why) return refuse(`the URL points to ${host}, ${why}; only public http(s) URLs are allowed`);
    }
  }
  return { ok: true, target: { url, host, port, allowlisted } };
}

/** judgeUrl for a request field: a refusal is a 400 invalid_request naming `param`. */
export function checkUrl(raw: string, param: string, allowlist: readonly string[]): CheckedUrl {
  const judged = judgeUrl(raw, allowlist);
  if (!judged.ok) throw invalidRequest(param, `${param}: ${judged.reason}.`);
  return judged.target;
}
