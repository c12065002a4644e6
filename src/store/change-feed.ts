/**
 * Change notices between gateway processes that share a database, for in-process caches of rows another
 * process may change (the API key cache: a key revoked on one instance must stop working on all of them).
 * On SQLite the processes are those of one `serve --processes N` at most, and notices travel through their
 * primary (store/sibling-change-feed.ts); on PostgreSQL by NOTIFY/LISTEN (store/pg-change-feed.ts).
 */

/** What changed: each channel is one kind of cached row. */
export type ChangeChannel = 'api_keys';

export interface ChangeFeed {
  /** Tell every process, this one first, that rows of this channel changed. */
  publish(channel: ChangeChannel): Promise<void>;
  /**
   * `onChange` runs on every change notice, and also whenever notices may have been missed (the listening
   * connection came back after a break): drop what was cached.
   */
  subscribe(channel: ChangeChannel, onChange: () => void): void;
  close(): Promise<void>;
}

/** Subscribers by channel, told synchronously. */
export class LocalChangeFeed implements ChangeFeed {
  private readonly subscribers = new Map<ChangeChannel, Array<() => void>>();

  subscribe(channel: ChangeChannel, onChange: () => void): void {
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), onChange]);
  }

  async publish(channel: ChangeChannel): Promise<void> {
    this.tell(channel);
  }

  /** Tell this process's subscribers of one channel, or of every channel. */
  tell(channel?: ChangeChannel): void {
    for (const [c, list] of this.subscribers) if (channel === undefined || c === channel) for (const f of list) f();
  }

  async close(): Promise<void> {}
}
