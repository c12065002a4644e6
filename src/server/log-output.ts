/**
 * Where the gateway's log lines go: stdout, written asynchronously, as pino does by default. A line that
 * cannot be written (stdout redirected to a full disk, say) is dropped instead of being fatal: pino's own
 * handler only forgives EPIPE and re-raises anything else as an unhandled 'error' event, which took the
 * whole gateway down, requests in flight included, the moment the disk filled. Writing resumes by itself
 * once it can. Dropped writes are reported on stderr at most once a minute.
 */
import { writeSync } from 'node:fs';
import pino from 'pino';

export function stdoutLogDestination(): pino.DestinationStream {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: false, minLength: 0 });
  let dropped = 0;
  let reportedAt = 0;
  destination.on('error', (err: NodeJS.ErrnoException) => {
    dropped++;
    const now = Date.now();
    if (now - reportedAt < 60_000) return;
    reportedAt = now;
    try {
      // Synchronous and guarded: stderr may sit on the same full disk.
      writeSync(2, `imagegate: writing the log failed (${err.code ?? err.message}); ${dropped} write(s) dropped so far\n`);
    } catch {
      // Nowhere left to say it.
    }
  });
  return destination;
}
