/**
 * The change feed of one SQLite database served by several gateway processes under one `serve --processes N`
 * primary: a notice is told to this process's subscribers at once and sent to the primary, which passes it to
 * every other process (cli/processes.ts). PostgreSQL needs none of this: NOTIFY reaches every process.
 */
import cluster from 'node:cluster';
import { type ChangeChannel, type ChangeFeed, LocalChangeFeed } from './change-feed.js';

/** A change notice between the gateway processes of one primary. */
export interface ChangeNotice {
  imagegate: 'change';
  channel: ChangeChannel;
}

const CHANNELS: readonly ChangeChannel[] = ['api_keys'];

export function isChangeNotice(m: unknown): m is ChangeNotice {
  const v = m as Partial<ChangeNotice> | null;
  return v?.imagegate === 'change' && CHANNELS.includes(v.channel as ChangeChannel);
}

export class SiblingChangeFeed implements ChangeFeed {
  private readonly local = new LocalChangeFeed();
  private readonly heard = (m: unknown) => {
    if (isChangeNotice(m)) this.local.tell(m.channel);
  };

  /** `send`: the channel to the primary (a cluster worker's `process.send`). */
  constructor(private readonly send: (notice: ChangeNotice) => void) {
    process.on('message', this.heard);
  }

  subscribe(channel: ChangeChannel, onChange: () => void): void {
    this.local.subscribe(channel, onChange);
  }

  async publish(channel: ChangeChannel): Promise<void> {
    this.local.tell(channel);
    this.send({ imagegate: 'change', channel });
  }

  async close(): Promise<void> {
    process.off('message', this.heard);
  }
}

/**
 * The feed of a SQLite database: shared through the primary in a process `serve --processes N` started,
 * this process's own otherwise.
 */
export function sqliteChangeFeed(): ChangeFeed {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send) return new LocalChangeFeed();
  // A process whose primary is gone is about to end with it: a notice it cannot send no longer matters.
  return new SiblingChangeFeed((notice) => {
    if (process.connected) send(notice, undefined, undefined, () => {});
  });
}
