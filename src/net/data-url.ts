/** `data:<mime>;base64,<data>` URLs: size checked from the encoded length before anything is decoded. */
import { invalidRequest } from '../core/errors.js';

export function decodeDataUrl(url: string, opts: { param: string; maxBytes: number }): { bytes: Buffer; mime: string } {
  const comma = url.indexOf(',');
  const header = comma > 0 ? url.slice(5, comma) : '';
  const m = /^([a-z]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64$/i.exec(header);
  if (!url.startsWith('data:') || comma < 0 || !m) {
    throw invalidRequest(opts.param, `${opts.param} is not a base64 data URL (expected data:image/png;base64,...).`);
  }
  const data = url.slice(comma + 1);
  const approx = Math.floor((data.length * 3) / 4);
  if (approx > opts.maxBytes) throw invalidRequest(opts.param, `${opts.param} is about ${approx} bytes; at most ${opts.maxBytes} are accepted.`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 === 1) throw invalidRequest(opts.param, `${opts.param} has invalid base64 data.`);
  return { bytes: Buffer.from(data, 'base64'), mime: (m[1] ?? 'application/octet-stream').toLowerCase() };
}
