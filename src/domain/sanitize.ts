/**
 * The request shape kept in the request log: structure and small values only. No keys, no base64, no data
 * URLs, prompts truncated.
 */
import { isDataUrl } from './data-url.js';

const PROMPT_KEEP = 200;
const STRING_KEEP = 300;
/** `api_key`, `admin_key`, `access_token`, `webhook_secret`, `password`…: by name, whatever the value looks like. */
const SECRET_FIELDS = /^(?:.*[-_])?(?:api[-_]?key|key|authorization|token|secret|password)$/i;
/** Base64 (standard or URL-safe) this long is image data or a key, never something a reader needs. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{100,}={0,2}/g;
/** A data URL inside a longer text (a prompt quoting one, a URL list joined into one string). */
const EMBEDDED_DATA_URL = /data:[^\s,]{0,200},[^\s"']*/gi;

/** Long base64 runs and embedded data URLs replaced by their length. */
function withoutBlobs(text: string): string {
  return text.replace(EMBEDDED_DATA_URL, (m) => `[data-url ${m.length} chars]`).replace(BASE64_RUN, (m) => `[base64 ${m.length} chars]`);
}

export function sanitizeShape(value: unknown, key = '', depth = 0): unknown {
  if (depth > 6) return '[…]';
  if (typeof value === 'string') {
    if (SECRET_FIELDS.test(key)) return '[redacted]';
    // Clients write the scheme in any case and with leading whitespace; the URL parser accepts both.
    if (isDataUrl(value)) return `[data-url ${value.length} chars]`;
    // Line breaks may wrap base64, spaces never do (a long prompt is letters and spaces too).
    if (/^[A-Za-z0-9+/=_\r\n-]{100,}$/.test(value.slice(0, 200))) return `[base64 ${value.length} chars]`;
    const keep = key === 'prompt' || key === 'text' || key === 'content' ? PROMPT_KEEP : STRING_KEEP;
    // Cut before cleaning, so a huge string costs no more than its kept part.
    const kept = withoutBlobs(value.slice(0, keep + 1000)).slice(0, keep);
    return value.length > keep || kept.length < value.length ? `${kept}… (${value.length} chars)` : kept;
  }
  if (Buffer.isBuffer(value)) return `[binary ${value.length} bytes]`;
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => sanitizeShape(v, key, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sanitizeShape(v, k, depth + 1);
    return out;
  }
  return value;
}
