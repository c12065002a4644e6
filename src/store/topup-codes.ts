/**
 * Top-up codes: batches of prepaid codes an operator hands out and members redeem into their account. A code
 * is stored as its hash (the text is shown once, when the batch is made) and leaves `unused` at most once:
 * every change of state is an UPDATE guarded on `status = 'unused'`, so a redemption and a void, or two
 * redemptions, can never both take the same code.
 */
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { GatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Db } from './db.js';
import type { Database, TopupCodesTable } from './schema.js';
import { newTopupCode, type TopupCode, topupCodeHash, topupCodePrefix } from './topup-code-text.js';
import { firstOf, type ReadWork, readFirst, rowsOf, run, type TxWork } from './transact.js';

export type TopupCodeRow = Selectable<TopupCodesTable>;

/** What a code is now: its stored status, or `expired` for an unused code past its expiry. */
export type TopupCodeState = 'unused' | 'redeemed' | 'voided' | 'expired';

export function topupCodeState(r: Pick<TopupCodeRow, 'status' | 'expires_at'>, now = Date.now()): TopupCodeState {
  if (r.status !== 'unused') return r.status;
  return r.expires_at !== null && r.expires_at <= now ? 'expired' : 'unused';
}

/** The rows whose topupCodeState() at `now` is `state`, as a where-clause of topup_codes. */
export function whereTopupCodeState(state: TopupCodeState, now: number) {
  return (eb: ExpressionBuilder<Database, 'topup_codes'>) => {
    if (state === 'redeemed' || state === 'voided') return eb('status', '=', state);
    const expired = eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', now)]);
    return eb.and([eb('status', '=', 'unused'), state === 'expired' ? expired : eb.not(expired)]);
  };
}

const unixSeconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export interface NewTopupBatch {
  /** Micro-units each code credits. */
  amount: number;
  count: number;
  /** ms; null: the codes never expire. */
  expiresAt: number | null;
  note: string | null;
  /** The admin key or console user making the batch. */
  createdBy: string;
}

/** A batch just made: the only time its codes' text exists outside the people it is handed to. */
export interface IssuedTopupBatch {
  batchId: string;
  createdAt: number;
  codes: Array<{ id: string; code: TopupCode }>;
}

/** Who redeems a code, into which account, under which ledger transaction. */
export interface Redeemer {
  accountId: string;
  userId: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Why a code cannot be redeemed at `now`, or undefined when it can. The messages never hold the code's text:
 * refusals are written to the request log.
 */
export function redeemRefusal(r: TopupCodeRow, now: number): GatewayError | undefined {
  const state = topupCodeState(r, now);
  if (state === 'unused') return undefined;
  if (state === 'redeemed') {
    return new GatewayError('already_redeemed', `This top-up code was already redeemed, on ${iso(r.redeemed_at!)}.`, {
      param: 'code',
      details: { reason: 'redeemed', at: unixSeconds(r.redeemed_at) },
    });
  }
  const [at, what] = state === 'voided' ? [r.voided_at!, 'was voided'] : [r.expires_at!, 'expired'];
  return new GatewayError('invalid_request', `This top-up code ${what} on ${iso(at)}: ask whoever gave it to you for another.`, {
    param: 'code',
    details: { reason: state, at: unixSeconds(at) },
  });
}

/** Rows per INSERT of a batch: well under both databases' limits on bound parameters. */
const INSERT_CHUNK = 250;

export class TopupCodeStore {
  private readonly db: Kysely<Database>;
  constructor(private readonly store: Pick<Db, 'kysely' | 'transact'>) {
    this.db = store.kysely;
  }

  /** Makes `count` codes in one transaction with `alongside` (the audit row): all of them or none. */
  async issue(b: NewTopupBatch, alongside: (batchId: string) => TxWork<void>, now = Date.now()): Promise<IssuedTopupBatch> {
    const batchId = newId('tpb');
    const codes = Array.from({ length: b.count }, () => ({ id: newId('tpc'), code: newTopupCode() }));
    const rows: TopupCodeRow[] = codes.map(({ id, code }) => ({
      id,
      batch_id: batchId,
      hash: topupCodeHash(code),
      prefix: topupCodePrefix(code),
      amount: b.amount,
      status: 'unused',
      expires_at: b.expiresAt,
      note: b.note,
      created_at: now,
      created_by: b.createdBy,
      voided_at: null,
      redeemed_at: null,
      redeemed_account_id: null,
      redeemed_user_id: null,
      redeemed_txn: null,
    }));
    const db = this.db;
    await this.store.transact({
      *write() {
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) yield* run(db.insertInto('topup_codes').values(rows.slice(i, i + INSERT_CHUNK)));
        yield* alongside(batchId);
      },
    });
    return { batchId, createdAt: now, codes };
  }

  /** The code with this text: its id and amount (neither ever changes), or undefined. */
  async byCode(code: TopupCode): Promise<Pick<TopupCodeRow, 'id' | 'amount'> | undefined> {
    return this.db.selectFrom('topup_codes').select(['id', 'amount']).where('hash', '=', topupCodeHash(code)).executeTakeFirst();
  }

  async get(id: string): Promise<TopupCodeRow | undefined> {
    return this.db.selectFrom('topup_codes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The transaction phases that take a code for a redemption: `check` refuses (reading only) a code that is
   * not unused at `now`; `claim`, the redemption's first write, marks it redeemed. On SQLite the check still
   * holds at the claim; on PostgreSQL a concurrent redemption may have committed in between, and the guarded
   * UPDATE then finds no row and refuses before anything is written.
   */
  redemption(codeId: string, who: Redeemer, now: number): { check: () => ReadWork<void>; claim: (txn: string) => TxWork<void> } {
    const db = this.db;
    const current = () => db.selectFrom('topup_codes').selectAll().where('id', '=', codeId);
    return {
      *check() {
        const row = yield* readFirst(current());
        if (!row) throw new Error(`top-up code ${codeId} vanished: codes are never deleted`);
        const refusal = redeemRefusal(row, now);
        if (refusal) throw refusal;
      },
      *claim(txn) {
        const taken = yield* firstOf(
          db
            .updateTable('topup_codes')
            .set({ status: 'redeemed', redeemed_at: now, redeemed_account_id: who.accountId, redeemed_user_id: who.userId, redeemed_txn: txn })
            .where('id', '=', codeId)
            .where('status', '=', 'unused')
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
            .returning('id'),
        );
        if (taken) return;
        const row = yield* firstOf(current());
        throw (row && redeemRefusal(row, now)) ?? new Error(`top-up code ${codeId} could not be claimed`);
      },
    };
  }

  /**
   * Voids an unused (or expired) code, with `alongside` (the audit row) in the same transaction. A code
   * already voided stays as it is and nothing is recorded; a redeemed one cannot be voided.
   */
  async void(id: string, alongside: () => TxWork<void>, now = Date.now()): Promise<TopupCodeRow> {
    const db = this.db;
    const current = () => db.selectFrom('topup_codes').selectAll().where('id', '=', id);
    const refuse = (row: TopupCodeRow | undefined) => {
      if (!row) return new GatewayError('not_found', `No top-up code "${id}".`, { param: 'id' });
      if (row.status === 'redeemed') {
        return new GatewayError('already_redeemed', `This top-up code was redeemed on ${iso(row.redeemed_at!)}: a redeemed code cannot be voided.`, {
          param: 'id',
        });
      }
      return undefined;
    };
    return this.store.transact({
      *check() {
        const row = yield* readFirst(current());
        const refusal = refuse(row);
        if (refusal) throw refusal;
        return row!;
      },
      *write(row) {
        if (row.status === 'voided') return row;
        const voided = yield* firstOf(
          db.updateTable('topup_codes').set({ status: 'voided', voided_at: now }).where('id', '=', id).where('status', '=', 'unused').returningAll(),
        );
        if (voided) {
          yield* alongside();
          return voided;
        }
        // PostgreSQL only: a redemption or another void committed after the check.
        const after = yield* firstOf(current());
        const refusal = refuse(after);
        if (refusal) throw refusal;
        return after!;
      },
    });
  }

  /**
   * Voids every unused (or expired) code of a batch, with `alongside` (given their number, for the audit row)
   * when there were any. The ids voided; a batch with no codes at all is a 404.
   */
  async voidBatch(batchId: string, alongside: (voided: number) => TxWork<void>, now = Date.now()): Promise<string[]> {
    const db = this.db;
    return this.store.transact({
      *check() {
        const any = yield* readFirst(db.selectFrom('topup_codes').select('id').where('batch_id', '=', batchId).limit(1));
        if (!any) throw new GatewayError('not_found', `No top-up code batch "${batchId}".`, { param: 'batch_id' });
      },
      *write() {
        const voided = yield* rowsOf(
          db
            .updateTable('topup_codes')
            .set({ status: 'voided', voided_at: now })
            .where('batch_id', '=', batchId)
            .where('status', '=', 'unused')
            .returning('id'),
        );
        if (voided.length > 0) yield* alongside(voided.length);
        return voided.map((r) => r.id);
      },
    });
  }
}
