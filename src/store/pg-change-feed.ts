/**
 * The change feed on PostgreSQL: a publish is a NOTIFY, and one dedicated connection per process LISTENs.
 * That connection breaks when the database restarts or its backend is terminated; it comes back by itself,
 * and every subscriber is told on each (re)connect, since notices sent while it was away are lost.
 */
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { type ChangeChannel, type ChangeFeed, LocalChangeFeed } from './change-feed.js';

const CHANNELS: readonly ChangeChannel[] = ['api_keys'];
/** The PostgreSQL channel name of a feed channel (one namespace per database, shared with other software). */
const pgChannel = (c: ChangeChannel) => `imagegate_${c}`;
const fromPgChannel = (name: string) => CHANNELS.find((c) => pgChannel(c) === name);

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

export class PgChangeFeed implements ChangeFeed {
  private readonly local = new LocalChangeFeed();
  private client: pg.Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly driver: typeof pg,
    private readonly config: pg.ClientConfig,
    private readonly db: Kysely<unknown>,
    private readonly onListenerError: (err: Error) => void,
  ) {}

  /** Connect the listener; resolves once it listens (or its first attempt failed, and retries go on). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether the listener is connected: while it is not, other processes' changes arrive only by cache expiry. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  subscribe(channel: ChangeChannel, onChange: () => void): void {
    this.local.subscribe(channel, onChange);
  }

  async publish(channel: ChangeChannel): Promise<void> {
    // This process at once; the others when the NOTIFY reaches their listeners (this one's hears it too).
    this.local.tell(channel);
    await sql`select pg_notify(${pgChannel(channel)}, '')`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retry = undefined;
    if (this.closed) return;
    const client = new this.driver.Client(this.config);
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (err) this.onListenerError(err);
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      const channel = fromPgChannel(n.channel);
      if (channel) this.local.tell(channel);
    });
    try {
      await client.connect();
      for (const c of CHANNELS) await client.query(`LISTEN ${pgChannel(c)}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost) return;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    // Whatever changed while nobody listened is unknown: every cache starts over.
    this.local.tell();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
