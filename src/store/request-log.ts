/**
 * The request log: one row per API request. Rows are written in small batches off the response path (one
 * multi-row INSERT every few milliseconds) so logging costs the hot path nothing but a push.
 */
import type { Insertable, Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, RequestLogTable } from './schema.js';

export type RequestLogEntry = Insertable<RequestLogTable>;

export class RequestLog {
  private queue: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly enabled = true,
    private readonly flushMs = 20,
    private readonly maxBatch = 200,
  ) {}

  record(entry: RequestLogEntry): void {
    if (!this.enabled) return;
    this.queue.push(entry);
    if (this.queue.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Write everything queued; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(async () => {
      if (!batch.length) return;
      try {
        await this.db.insertInto('request_log').values(batch).execute();
      } catch (err) {
        this.log.error({ err, rows: batch.length }, 'could not write the request log');
      }
    });
    return this.flushing;
  }
}
