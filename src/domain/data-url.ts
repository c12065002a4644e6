/**
 * `data:<mime>;base64,<data>` URLs. The decoded size follows from the base64 length, so an oversized URL
 * is refused before anything is decoded or allocated. Messages never echo the data.
 */
import { invalidRequest } from './errors.js';

export interface DataUrl {
  bytes: Buffer;
  /** Lowercase media type; RFC 2397's default text/plain when the URL names none. */
  mime: string;
}

/** `image/png`, then optional `;name=value` parameters, then the required `;base64`. */
const HEADER = /^data:([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)?((?:;[a-z0-9!#$&^_.+-]+=[^;,]*)*)(;base64)?$/i;
const BASE64 = /^[A-Za-z0-9+/]*$/;
const EXAMPLE = 'data:image/png;base64,iVBORw0KGgo...';

/** Whether a client's URL string is a data URL as a URL parser reads it: any case, leading whitespace allowed. */
export function isDataUrl(url: string): boolean {
  return /^\s*data:/i.test(url.slice(0, 64));
}

export function decodeDataUrl(text: string, opts: { param: string; maxBytes: number }): DataUrl {
  const url = text.trimStart();
  const refuse = (why: string) => invalidRequest(opts.param, `${opts.param}: ${why}.`);
  const comma = url.indexOf(',');
  const header = HEADER.exec(comma < 0 ? '' : url.slice(0, comma));
  if (!header) throw refuse(`is not a data URL; expected ${EXAMPLE}`);
  if (!header[3]) throw refuse(`is a data URL without ;base64; send the bytes base64-encoded, as in ${EXAMPLE}`);

  const padded = url.length - comma - 1;
  let padding = 0;
  while (padding < 2 && url.charCodeAt(url.length - 1 - padding) === 0x3d /* = */) padding++;
  const digits = padded - padding;
  if (digits === 0) throw refuse('is a data URL with no data');
  const size = Math.floor((digits * 3) / 4);
  if (size > opts.maxBytes) throw refuse(`holds ${size} bytes; at most ${opts.maxBytes} bytes are accepted`);

  const data = url.slice(comma + 1, url.length - padding);
  // One leftover base64 digit carries only 6 bits, and padding only ever completes a 4-digit group.
  const wellFormed = BASE64.test(data) && digits % 4 !== 1 && (padding === 0 || padded % 4 === 0);
  if (!wellFormed) throw refuse('holds invalid base64 data; use the standard alphabet (A-Z a-z 0-9 + /) without spaces or line breaks');
  return { bytes: Buffer.from(data, 'base64'), mime: (header[1] ?? 'text/plain').toLowerCase() };
}
