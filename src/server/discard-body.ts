/**
 * What is left of a refused request's body, read and dropped before the answer goes out. A client still
 * sending a body the gateway refused part-way (a second file, a 401 before the body was read) would otherwise
 * meet a closed connection while it writes and report a broken pipe instead of the answer (undici's fetch on
 * Node 24 does). Bounded tightly in bytes and time — what is already on its way — so a client sending a large
 * body, or slowly, does not hold the answer back: past either bound the answer goes out and the connection
 * closes, as before.
 */
import type { IncomingMessage } from 'node:http';

export const DISCARD_MAX_BYTES = 256 * 1024;
export const DISCARD_MAX_MS = 250;

export function discardRest(raw: IncomingMessage, maxBytes = DISCARD_MAX_BYTES, ms = DISCARD_MAX_MS): Promise<void> {
  if (raw.complete || raw.destroyed || raw.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('close', done);
      raw.off('error', done);
      resolve();
    };
    const stop = () => {
      raw.pause();
      done();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) stop();
    };
    const timer = setTimeout(stop, ms);
    // A multipart parser may still be piped in; what it has not read is dropped here instead.
    raw.unpipe();
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('close', done);
    raw.once('error', done);
    raw.resume();
  });
}
