/**
 * Idempotency-Key on create endpoints, scoped to the account: the first request with a key runs; a repeat
 * with the same body within 24 h gets the stored response (waiting for the first if it is still running);
 * a repeat with a different body is 409. Failures that a retry may fix (5xx, 429) are not stored, so the
 * client's retry runs again — nothing was charged for them (a timeout handed over to a task is the exception).
 *
 * A claim names its owner, the instance running the request. A retry that finds the claim of an owner that
 * died (no heartbeat: store/instances.ts) takes it over and runs, unless that request had already queued a
 * task: the task's id is written on the claim in the task's own transaction, and the retry gets that task.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import type { Database } from '../../store/schema.js';
import { OutageRetries } from '../../store/outage-retries.js';
import { run, type TxWork } from '../../store/transact.js';

const TTL_MS = 24 * 3600 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export type Claim =
  | { kind: 'owner' }
  | { kind: 'replay'; response: StoredResponse }
  /** The first request queued this task (and may have died before it could answer). */
  | { kind: 'task'; taskId: string };

export interface ClaimOwners {
  /** This process: the owner of the claims it makes. */
  id: string;
  /** The owners still alive (Instances.liveOwners). */
  liveOwners(): Promise<string[]>;
}

/** A failure another try may fix (5xx, 429): not kept, so the client's retry runs again. */
export function retryable(status: number): boolean {
  return status >= 500 || status === 429;
}

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class IdempotencyStore {
  /** Claims of this process whose request is still running here (account and key). */
  private readonly running = new Set<string>();
  /** Completions and releases an outage held back: nobody else would ever write them while we live. */
  private readonly unfinished = new OutageRetries<void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly owners: ClaimOwners,
    private readonly waitMs = 10 * 60 * 1000,
  ) {}

  /** Become the request that runs for this key, or get the response of the one that did. */
  async claim(accountId: string, key: string, bodyHash: string, signal?: AbortSignal): Promise<Claim> {
    if (key.length > 255) throw invalidRequest('Idempotency-Key', 'Idempotency-Key must be at most 255 characters.');
    const deadline = Date.now() + this.waitMs;
    const id = claimId(accountId, key);
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const now = Date.now();
      await this.db
        .deleteFrom('idempotency')
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('created_at', '<', now - TTL_MS)
        .execute();
      // Reserved in this process before the insert (synchronously, so two requests of this process cannot
      // both take it), so that a sibling request that sees our fresh row never takes it for an abandoned one.
      const reserved = this.reserve(id);
      const inserted = await this.db
        .insertInto('idempotency')
        .values({
          account_id: accountId,
          key,
          body_hash: bodyHash,
          status: null,
          response: null,
          headers: null,
          owner: this.owners.id,
          task_id: null,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 && (reserved || this.reserve(id))) return { kind: 'owner' };
      if (reserved) this.running.delete(id);
      const row = await this.db.selectFrom('idempotency').selectAll().where('account_id', '=', accountId).where('key', '=', key).executeTakeFirst();
      if (row) {
        if (row.body_hash !== bodyHash) {
          throw new GatewayError(
            'idempotency_conflict',
            'This Idempotency-Key was already used with a different request body. Use a new key for a new request.',
            { param: 'Idempotency-Key' },
          );
        }
        if (row.status !== null)
          return {
            kind: 'replay',
            response: { status: row.status, body: row.response ?? '', headers: JSON.parse(row.headers ?? '{}') as Record<string, string> },
          };
        if (row.task_id !== null) return { kind: 'task', taskId: row.task_id };
        if (await this.ownerIsGone(row.owner, row.created_at, now)) {
          if (this.reserve(id)) {
            if (await this.takeOver(accountId, key, row.owner, now)) return { kind: 'owner' };
            this.running.delete(id);
          }
        }
      }
      if (Date.now() > deadline || signal?.aborted) {
        throw new GatewayError('idempotency_conflict', 'A request with this Idempotency-Key is still running; retry later to get its result.', {
          param: 'Idempotency-Key',
        });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * Written in the transaction that queues the request's task: a retry gets that task from now on, whether
   * or not this process lives to store its answer.
   */
  *recordTask(accountId: string, key: string, taskId: string): TxWork<void> {
    yield* run(
      this.db
        .updateTable('idempotency')
        .set({ task_id: taskId })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('owner', '=', this.owners.id),
    );
  }

  /**
   * A claim without an owner predates owners being recorded: its request has surely ended once it is older
   * than the longest wait for one.
   */
  private async ownerIsGone(owner: string | null, createdAt: number, now: number): Promise<boolean> {
    if (owner === null) return createdAt < now - this.waitMs;
    // Our own claim whose request no longer runs here (its answer could not be written, an outage) is taken
    // over by reserving it (reserve refuses while a request of this process holds it).
    if (owner === this.owners.id) return true;
    return !(await this.owners.liveOwners()).includes(owner);
  }

  /** Marks a claim as this process's to run; false when a request of this process already holds it. */
  private reserve(id: string): boolean {
    if (this.running.has(id)) return false;
    this.running.add(id);
    return true;
  }

  /** Become the owner of a dead owner's claim; guarded on that owner, so one retry wins. */
  private async takeOver(accountId: string, key: string, deadOwner: string | null, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('idempotency')
      .set({ owner: this.owners.id, created_at: now })
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .where('status', 'is', null)
      .where('task_id', 'is', null)
      .where('owner', deadOwner === null ? 'is' : '=', deadOwner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * `final`: store even a 5xx. A timeout handed over to a task is one: its retry must get the same task to
   * poll, not run (and charge) again.
   */
  async complete(accountId: string, key: string, response: StoredResponse, opts: { final?: boolean } = {}): Promise<void> {
    if (!opts.final && retryable(response.status)) {
      await this.release(accountId, key);
      return;
    }
    // Only while the claim is still ours: a retry may have taken it over, taking this process for dead.
    await this.finish(accountId, key, async () => {
      await this.db
        .updateTable('idempotency')
        .set({ status: response.status, response: response.body, headers: JSON.stringify(response.headers) })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('owner', '=', this.owners.id)
        .execute();
    });
  }

  /** Forget a claim whose request could not complete, so a retry runs. */
  async release(accountId: string, key: string): Promise<void> {
    await this.finish(accountId, key, async () => {
      await this.db
        .deleteFrom('idempotency')
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('status', 'is', null)
        .where('owner', '=', this.owners.id)
        .execute();
    });
  }

  /** Writes an outage held back get a last try (shutdown). */
  flush(): Promise<void> {
    return this.unfinished.flush();
  }

  /**
   * Ends this process's part in a claim with `write`. If the database cannot take it now, the write is
   * retried until it can, and a retry that reaches this process meanwhile takes the claim over.
   */
  private async finish(accountId: string, key: string, write: () => Promise<void>): Promise<void> {
    const id = claimId(accountId, key);
    try {
      await this.unfinished.run(id, write, { wait: false, ifDropped: undefined });
    } finally {
      this.running.delete(id);
    }
  }
}

const claimId = (accountId: string, key: string) => JSON.stringify([accountId, key]);
