/** Reading and dropping upstream response bodies without ever holding more than the cap. */
import type { Readable } from 'node:stream';

/**
 * Drops a body that will not be read. undici reports destroying an unfinished body as an 'error' event,
 * which would crash the process without a listener; here it is expected, so it is swallowed.
 */
export function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The bytes, or undefined when the body grows past maxBytes (it is then dropped at once). */
export async function readCapped(body: Readable, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      discard(body);
      return undefined;
    }
    chunks.push(buf);
  }
  // A single chunk is handed over as is: the bytes are held in memory once.
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
