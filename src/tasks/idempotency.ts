/**
 * Idempotency-Key on create endpoints, scoped to the account: the first request with a key runs; a repeat
 * with the same body within 24 h gets the stored response (waiting for the first if it is still running);
 * a repeat with a different body is 409. Failures that a retry may fix (5xx, 429) are not stored, so the
 * client's retry runs again — nothing was charged for them (a timeout handed over to a task is the exception).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { GatewayError, invalidRequest } from '../core/errors.js';
import type { Database } from '../store/schema.js';

const TTL_MS = 24 * 3600 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export type Claim = { kind: 'owner' } | { kind: 'replay'; response: StoredResponse };

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class IdempotencyStore {
  constructor(private readonly db: Kysely<Database>, private readonly waitMs = 10 * 60 * 1000) {}

  /** Become the request that runs for this key, or get the response of the one that did. */
  async claim(accountId: string, key: string, bodyHash: string, signal?: AbortSignal): Promise<Claim> {
    if (key.length > 255) throw invalidRequest('Idempotency-Key', 'Idempotency-Key must be at most 255 characters.');
    const deadline = Date.now() + this.waitMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const now = Date.now();
      await this.db.deleteFrom('idempotency').where('account_id', '=', accountId).where('key', '=', key).where('created_at', '<', now - TTL_MS).execute();
      const inserted = await this.db
        .insertInto('idempotency')
        .values({ account_id: accountId, key, body_hash: bodyHash, status: null, response: null, headers: null, created_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { kind: 'owner' };
      const row = await this.db.selectFrom('idempotency').selectAll().where('account_id', '=', accountId).where('key', '=', key).executeTakeFirst();
      if (row) {
        if (row.body_hash !== bodyHash) {
          throw new GatewayError('idempotency_conflict', 'This Idempotency-Key was already used with a different request body. Use a new key for a new request.', { param: 'Idempotency-Key' });
        }
        if (row.status !== null) return { kind: 'replay', response: { status: row.status, body: row.response ?? '', headers: JSON.parse(row.headers ?? '{}') as Record<string, string> } };
      }
      if (Date.now() > deadline || signal?.aborted) {
        throw new GatewayError('idempotency_conflict', 'A request with this Idempotency-Key is still running; retry later to get its result.', { param: 'Idempotency-Key' });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * `final`: store even a 5xx. A timeout handed over to a task is one: its retry must get the same task to
   * poll, not run (and charge) again.
   */
  async complete(accountId: string, key: string, response: StoredResponse, opts: { final?: boolean } = {}): Promise<void> {
    if (!opts.final && (response.status >= 500 || response.status === 429)) {
      await this.release(accountId, key);
      return;
    }
    await this.db
      .updateTable('idempotency')
      .set({ status: response.status, response: response.body, headers: JSON.stringify(response.headers) })
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .execute();
  }

  /** Forget a claim whose request could not complete, so a retry runs. */
  async release(accountId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency').where('account_id', '=', accountId).where('key', '=', key).where('status', 'is', null).execute();
  }
}
