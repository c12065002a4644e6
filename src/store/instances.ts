/**
 * Gateway process liveness. Each process beats every few seconds; a process that has not beaten for
 * `staleMs` is dead, and the holds and task leases it owned are recovered by the survivors.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export class Instances {
  constructor(
    private readonly db: Kysely<Database>,
    readonly id: string,
    readonly staleMs = 30_000,
    /** Only this process uses the database (SQLite): every other owner is dead, whenever it last beat. */
    private readonly soleProcess = false,
  ) {}

  async beat(now = Date.now()): Promise<void> {
    await this.db
      .insertInto('instances')
      .values({ id: this.id, started_at: now, last_seen: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen: now }))
      .execute();
  }

  /** Ids of processes that beat recently (always including this one). */
  async live(now = Date.now()): Promise<string[]> {
    const rows = await this.db
      .selectFrom('instances')
      .select('id')
      .where('last_seen', '>', now - this.staleMs)
      .execute();
    return [...new Set([this.id, ...rows.map((r) => r.id)])];
  }

  /** The owners of holds, task leases and claims that are still alive. */
  async liveOwners(now = Date.now()): Promise<string[]> {
    return this.soleProcess ? [this.id] : this.live(now);
  }

  /** Forget processes dead for a day (their rows only serve the recovery above). */
  async prune(now = Date.now()): Promise<void> {
    await this.db
      .deleteFrom('instances')
      .where('last_seen', '<', now - 86_400_000)
      .execute();
  }

  async leave(): Promise<void> {
    await this.db.deleteFrom('instances').where('id', '=', this.id).execute();
  }
}
