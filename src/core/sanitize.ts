/**
 * The request shape kept in the request log: structure and small values only. No keys, no base64, no data
 * URLs, prompts truncated.
 */
const PROMPT_KEEP = 200;
const STRING_KEEP = 300;
const SECRET_FIELDS = /^(api[-_]?key|authorization|token|secret|password)$/i;

export function sanitizeShape(value: unknown, key = '', depth = 0): unknown {
  if (depth > 6) return '[…]';
  if (typeof value === 'string') {
    if (SECRET_FIELDS.test(key)) return '[redacted]';
    if (value.startsWith('data:')) return `[data-url ${value.length} chars]`;
    if (key === 'prompt' || key === 'text' || key === 'content') {
      return value.length > PROMPT_KEEP ? `${value.slice(0, PROMPT_KEEP)}… (${value.length} chars)` : value;
    }
    if (value.length > STRING_KEEP) return /^[A-Za-z0-9+/=\s]+$/.test(value.slice(0, 200)) ? `[base64 ${value.length} chars]` : `${value.slice(0, STRING_KEEP)}…`;
    return value;
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
