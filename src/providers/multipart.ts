/**
 * multipart/form-data encoding for upstreams that take it (OpenAI edits and variations, Stability AI). Built by hand rather than through
 * FormData because FormData copies each image into a Blob and again when serialized; here every image is
 * copied exactly once, into the one body buffer.
 */
import { randomBytes } from 'node:crypto';

export interface FilePart {
  filename: string;
  type: string;
  bytes: Buffer;
}

export type Part = readonly [name: string, value: string | number | FilePart];

export interface EncodedMultipart {
  body: Buffer;
  contentType: string;
}

const CRLF = Buffer.from('\r\n');

/** The HTML spec's escaping of names in Content-Disposition: quote and line breaks percent-encoded. */
const escapeName = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

export function encodeMultipart(parts: readonly Part[]): EncodedMultipart {
  // 192 random bits: a prompt cannot contain the boundary except by a negligible accident.
  const boundary = `----imagegate${randomBytes(24).toString('hex')}`;
  const pieces: Buffer[] = [];
  for (const [name, value] of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === 'object') {
      head += `; filename="${escapeName(value.filename)}"\r\nContent-Type: ${value.type}\r\n\r\n`;
      pieces.push(Buffer.from(head, 'utf8'), value.bytes, CRLF);
    } else {
      pieces.push(Buffer.from(`${head}\r\n\r\n${String(value)}\r\n`, 'utf8'));
    }
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(pieces), contentType: `multipart/form-data; boundary=${boundary}` };
}
