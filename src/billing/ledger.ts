/**
 * The ledger: every change of an account's available balance is an append-only entry, written in the same
 * database transaction as the balance update, so `balance == Σ ledger.amount` always holds.
 *
 * A charged request's money moves as:  hold (−quote)  →  settle (+quote−charge)   [success]
 *                                                      →  refund (+quote)          [failure]
 * so each billing transaction nets to −charge. A hold row records its state; closing it is a guarded
 * `UPDATE … WHERE status = 'open'`, which is what makes settle/refund happen exactly once under races,
 * retries, duplicate callbacks and concurrent sweeps.
 */
import { type Kysely, sql } from 'kysely';
import { GatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decimalAmount } from '../domain/money.js';
import type { Db } from '../store/db.js';
import { howToAddCredit } from './funding.js';
import { OutageRetries } from '../store/outage-retries.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Database, HoldsTable, LedgerKind } from '../store/schema.js';
import { firstOf, type ReadWork, readFirst, readRows, run, type Transact, type TxWork } from '../store/transact.js';

export interface HoldRequest {
  accountId: string;
  keyId: string | null;
  requestId: string;
  model: string;
  amount: number;
  owner: string;
  /** Spend caps to enforce atomically with the hold (per key, UTC day and month). */
  caps?: { day?: number | null; month?: number | null };
  /**
   * Written in the hold's own transaction, after it: a record that must exist exactly when the hold does
   * (an async task's row), so a crash leaves both or neither.
   */
  alongside?: (holdId: string) => TxWork<void>;
}

export interface HoldRecord {
  id: string;
  accountId: string;
  keyId: string | null;
  amount: number;
  createdAt: number;
}

export type CloseOutcome = { closed: true; charged: number } | { closed: false };

const dayPeriod = (t: number) => `d:${new Date(t).toISOString().slice(0, 10)}`;
const monthPeriod = (t: number) => `m:${new Date(t).toISOString().slice(0, 7)}`;
/** A key's spend caps, per UTC day and month (null: none). */
interface KeyCaps {
  keyId: string;
  day?: number | null;
  month?: number | null;
}

const capPeriods = (caps: KeyCaps, now: number) =>
  [
    [dayPeriod(now), caps.day, 'daily'],
    [monthPeriod(now), caps.month, 'monthly'],
  ] as const;

/** The key attribute that sets each cap, named in the 402 that the cap causes. */
const CAP_ATTRIBUTE = { daily: 'spend_cap_day', monthly: 'spend_cap_month' } as const;

export class Ledger {
  /** The statements of every hold and settle, compiled once (store/prepared-query.ts). */
  private readonly q: ReturnType<typeof hotStatements>;
  private readonly db: Kysely<Database>;
  private readonly transact: Transact;
  private readonly unfinished = new OutageRetries<CloseOutcome>();

  constructor(
    db: Pick<Db, 'kysely' | 'transact'>,
    readonly currency: string,
  ) {
    this.db = db.kysely;
    this.transact = db.transact;
    this.q = hotStatements(this.db);
  }

  /** Atomically reserve `amount`, or 402 with the needed and available amounts. */
  hold(req: HoldRequest): Promise<HoldRecord> {
    const id = newId('txn');
    const now = Date.now();
    const caps: KeyCaps | undefined = req.keyId && req.caps && (req.caps.day != null || req.caps.month != null) ? { keyId: req.keyId, ...req.caps } : undefined;
    return this.transact({ check: () => this.holdCheck(req, now, caps), write: () => this.holdWork(req, id, now, caps) });
  }

  /** A hold's refusals: a spend cap it would pass, a balance short of it. */
  private *holdCheck(req: HoldRequest, now: number, caps: KeyCaps | undefined): ReadWork<void> {
    if (caps) yield* this.checkSpendCaps(caps, req.amount, now);
    const acct = yield* readFirst(this.q.balance.bindRead({ accountId: req.accountId }));
    const available = acct?.balance ?? 0;
    if (available < req.amount) throw this.insufficient(req.accountId, req.amount, available);
  }

  private *holdWork(req: HoldRequest, id: string, now: number, caps: KeyCaps | undefined): TxWork<HoldRecord> {
    // The guards below refuse only on PostgreSQL, when another hold committed after holdCheck read.
    const updated = yield* firstOf(this.q.debit.bind({ accountId: req.accountId, amount: req.amount }));
    if (!updated) throw this.insufficient(req.accountId, req.amount, (yield* firstOf(this.q.balance.bind({ accountId: req.accountId })))?.balance ?? 0);
    if (caps) yield* this.reserveSpend(caps, req.amount, now);
    yield* run(
      this.q.openHold.bind({
        id,
        accountId: req.accountId,
        keyId: req.keyId,
        requestId: req.requestId,
        model: req.model,
        amount: req.amount,
        owner: req.owner,
        spendReserved: caps ? 1 : 0,
        now,
      }),
    );
    yield* this.entry({
      accountId: req.accountId,
      keyId: req.keyId,
      txn: id,
      kind: 'hold',
      amount: -req.amount,
      charged: 0,
      balanceAfter: updated.balance,
      now,
    });
    if (req.alongside) yield* req.alongside(id);
    return { id, accountId: req.accountId, keyId: req.keyId, amount: req.amount, createdAt: now };
  }

  private insufficient(accountId: string, needed: number, available: number): GatewayError {
    return new GatewayError(
      'insufficient_balance',
      `This request needs ${formatMoney(needed, this.currency)} but account ${accountId} has ${formatMoney(available, this.currency)} available. ` +
        `Lower n, or add credit: ${howToAddCredit(accountId)}`,
      { details: { needed, available, currency: this.currency, unit: 'micro', account_id: accountId } },
    );
  }

  /** The hold with this id, open or not, and its state (tasks rebuild their Hold after a restart). */
  async holdRecord(id: string): Promise<(HoldRecord & { status: HoldsTable['status'] }) | undefined> {
    const r = await this.db.selectFrom('holds').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { id: r.id, accountId: r.account_id, keyId: r.key_id, amount: r.amount, createdAt: r.created_at, status: r.status } : undefined;
  }

  /** Charge `charge` (≤ the held amount) and return the rest. No-op if the hold is already closed. */
  settle(hold: HoldRecord, charge: number): Promise<CloseOutcome> {
    if (!Number.isInteger(charge) || charge < 0) throw new Error(`settle: charge must be a non-negative integer, got ${charge}`);
    return this.close(hold.id, 'settle', Math.min(charge, hold.amount));
  }

  /**
   * Settle in one transaction with `first` (a task's terminal state), which runs before the hold is closed
   * and may decline (false): then nothing is written and the hold stays open. `first` must make sure the hold
   * is still open (a guard in its own statement), so that it never writes when the settle below would not.
   */
  settleAfter(hold: HoldRecord, charge: number, first: () => TxWork<boolean>): Promise<CloseOutcome> {
    if (!Number.isInteger(charge) || charge < 0) throw new Error(`settle: charge must be a non-negative integer, got ${charge}`);
    const now = Date.now();
    return this.transact({ write: () => this.closeAfterWork(first, hold.id, 'settle', Math.min(charge, hold.amount), now, undefined) });
  }

  /** Return the whole hold. No-op if the hold is already closed. */
  refund(holdId: string, note?: string): Promise<CloseOutcome> {
    return this.close(holdId, 'refund', 0, note);
  }

  /** Refund in one transaction with `first` (a task's terminal state), under the same rules as settleAfter. */
  refundAfter(holdId: string, note: string, first: () => TxWork<boolean>): Promise<CloseOutcome> {
    const now = Date.now();
    return this.transact({ write: () => this.closeAfterWork(first, holdId, 'refund', 0, now, note) });
  }

  private *closeAfterWork(
    first: () => TxWork<boolean>,
    holdId: string,
    kind: 'settle' | 'refund',
    charge: number,
    now: number,
    note: string | undefined,
  ): TxWork<CloseOutcome> {
    if (!(yield* first())) return { closed: false } as const;
    const outcome = yield* this.closeWork(holdId, kind, charge, now, note);
    // `first` checked that the hold is open; reaching this means it did not, and its write must not stand.
    if (!outcome.closed) throw new Error(`hold ${holdId} was already closed when ${kind === 'settle' ? 'settling' : 'refunding'} it with its task`);
    return outcome;
  }

  /**
   * A close the database could not take (an outage) is retried until it does: a settle waits for that (its
   * reply was delivered, and nobody else would ever close the hold of a live process); a refund fails now, so
   * the request's error is not held up, and completes in the background.
   */
  private close(holdId: string, kind: 'settle' | 'refund', charge: number, note?: string): Promise<CloseOutcome> {
    const now = Date.now();
    const attempt = () => this.transact({ write: () => this.closeWork(holdId, kind, charge, now, note) });
    return this.unfinished.run(holdId, attempt, { wait: kind === 'settle', ifDropped: { closed: false } });
  }

  /** Closes still waiting for the database (metrics, shutdown). */
  get unfinishedCloses(): OutageRetries<CloseOutcome> {
    return this.unfinished;
  }

  private *closeWork(holdId: string, kind: 'settle' | 'refund', charge: number, now: number, note: string | undefined): TxWork<CloseOutcome> {
    const closed = yield* firstOf(this.q.closeHold.bind({ id: holdId, status: kind === 'settle' ? 'settled' : 'released', charged: charge, now }));
    if (!closed) return { closed: false } as const;
    const back = closed.amount - charge;
    const acct = yield* firstOf(this.q.credit.bind({ accountId: closed.account_id, amount: back }));
    if (!acct) throw new Error(`the account ${closed.account_id} of hold ${holdId} is gone`);
    // Only what the hold reserved goes back: a cap set on the key after the hold reserved nothing to return.
    if (closed.key_id && back > 0 && closed.spend_reserved !== 0) yield* this.returnSpend(closed.key_id, back, closed.created_at);
    yield* this.entry({
      accountId: closed.account_id,
      keyId: closed.key_id,
      txn: holdId,
      kind,
      amount: back,
      charged: charge,
      balanceAfter: acct.balance,
      now,
      note,
    });
    return { closed: true, charged: charge } as const;
  }

  /**
   * Give an open hold a new owner: a synchronous request hands its hold to the task that finishes its
   * upstream work (`task:<id>`, which the sweep leaves to the task runner). Guarded on `open` and the current
   * owner, so a hold already closed or already taken over never moves. Transaction work, so the caller makes
   * the move part of its own transaction (the task row is written with it).
   */
  *transferHoldWork(holdId: string, from: string, to: string): TxWork<boolean> {
    const moved = yield* firstOf(
      this.db.updateTable('holds').set({ owner: to }).where('id', '=', holdId).where('status', '=', 'open').where('owner', '=', from).returning('id'),
    );
    return moved !== undefined;
  }

  /**
   * Refund every open hold of owners other than `liveOwner` (dead processes), or older than maxAgeMs. Holds
   * owned by a task are not looked at here: TaskStore.orphanedHolds finds those whose task is gone.
   */
  async sweep(opts: { liveOwners: string[]; maxAgeMs: number }): Promise<number> {
    const cutoff = Date.now() - opts.maxAgeMs;
    // Holds owned by a task (`task:<id>`) live as long as the task, however long it queues.
    let q = this.db.selectFrom('holds').select('id').where('status', '=', 'open').where('owner', 'not like', 'task:%');
    q = q.where((eb) => eb.or([eb('owner', 'not in', opts.liveOwners.length ? opts.liveOwners : ['']), eb('created_at', '<', cutoff)]));
    const stale = await q.execute();
    let n = 0;
    for (const h of stale) if ((await this.refund(h.id, 'released by sweep: owner gone or hold expired')).closed) n++;
    return n;
  }

  /**
   * Admin credit (positive) or debit (negative) outside any request. Debits may not overdraw. `alongside` is
   * written in the adjustment's own transaction, after it (the audit row of the person who made it), so the
   * money never moves without its record.
   */
  async adjust(
    accountId: string,
    amount: number,
    kind: 'credit' | 'debit' | 'adjustment',
    note?: string,
    alongside?: (txn: string) => TxWork<void>,
  ): Promise<{ txn: string; balance: number }> {
    return this.adjustment({ accountId, amount, kind, note, alongside });
  }

  /**
   * A credit paid for by something taken in the same transaction (a top-up code), so that one never happens
   * without the other: `claim.check` refuses, reading only, before anything is written; `claim.claim` is the
   * transaction's first write and may still refuse (on PostgreSQL, when a concurrent transaction took it
   * after the check), because nothing has been written before it.
   */
  async creditFor(
    claim: LedgerClaim,
    accountId: string,
    amount: number,
    kind: 'topup',
    note: string,
    alongside?: (txn: string) => TxWork<void>,
  ): Promise<{ txn: string; balance: number }> {
    if (amount <= 0) throw new Error(`creditFor: amount must be positive, got ${amount}`);
    return this.adjustment({ accountId, amount, kind, note, alongside, claim });
  }

  private adjustment(a: Adjustment): Promise<{ txn: string; balance: number }> {
    if (!Number.isInteger(a.amount)) throw new Error('amount must be an integer');
    const txn = newId('txn');
    const now = Date.now();
    return this.transact({
      check: () => this.adjustCheck(a),
      write: () => this.adjustWork(a, txn, now),
    });
  }

  /** An adjustment's refusals: its claim's, no such account, or a debit that would overdraw it. */
  private *adjustCheck(a: Adjustment): ReadWork<void> {
    if (a.claim) yield* a.claim.check();
    const acct = yield* readFirst(this.db.selectFrom('accounts').select('balance').where('id', '=', a.accountId));
    if (!acct) throw new GatewayError('not_found', `No account ${a.accountId}.`, { param: 'account_id' });
    if (a.amount < 0 && acct.balance < -a.amount) throw this.overdraw(a.amount);
  }

  private overdraw(amount: number): GatewayError {
    return new GatewayError('insufficient_balance', `The account's available balance is lower than ${formatMoney(-amount, this.currency)}.`, {
      param: 'amount',
    });
  }

  /** An adjustment as part of the caller's transaction (an account's opening credit, made with the account). */
  *adjustWork(a: Adjustment, txn: string, now: number): TxWork<{ txn: string; balance: number }> {
    if (a.claim) yield* a.claim.claim(txn);
    const { accountId, amount } = a;
    let q = this.db
      .updateTable('accounts')
      .set({ balance: sql<number>`balance + ${amount}` })
      .where('id', '=', accountId);
    if (amount < 0) q = q.where('balance', '>=', -amount);
    const row = yield* firstOf(q.returning('balance'));
    // Only on PostgreSQL, when a hold or another debit committed after adjustCheck read.
    if (!row) throw this.overdraw(amount);
    yield* this.entry({ accountId, keyId: null, txn, kind: a.kind, amount, charged: 0, balanceAfter: row.balance, now, note: a.note });
    if (a.alongside) yield* a.alongside(txn);
    return { txn, balance: row.balance };
  }

  /**
   * Refuse a hold that would take a key past a spend cap, reading only. Exact on SQLite (one connection, and
   * the transaction holds it until it ends); on PostgreSQL two holds may both pass it, and reserveSpend's
   * guarded update then refuses the one that comes second.
   */
  private *checkSpendCaps(caps: KeyCaps, amount: number, now: number): ReadWork<void> {
    const periods = capPeriods(caps, now).filter(([, cap]) => cap != null);
    const spent = yield* readRows(
      this.db
        .selectFrom('key_spend')
        .select(['period', 'amount'])
        .where('key_id', '=', caps.keyId)
        .where(
          'period',
          'in',
          periods.map(([period]) => period),
        ),
    );
    for (const [period, cap, label] of periods) {
      const sofar = spent.find((r) => r.period === period)?.amount ?? 0;
      if (sofar + amount > cap!) throw this.capExceeded(caps.keyId, label, cap!, amount);
    }
  }

  private capExceeded(keyId: string, label: keyof typeof CAP_ATTRIBUTE, cap: number, amount: number): GatewayError {
    const attribute = CAP_ATTRIBUTE[label];
    return new GatewayError(
      'insufficient_balance',
      `This key's ${label} spend cap of ${formatMoney(cap, this.currency)} would be exceeded by this request. ` +
        `An operator raises it with PATCH /v1/admin/keys/${keyId} {"${attribute}": <micro-units>} or on the console's Keys page.`,
      {
        details: { needed: amount, cap, currency: this.currency, unit: 'micro', key_id: keyId },
      },
    );
  }

  private *reserveSpend(caps: KeyCaps, amount: number, now: number): TxWork<void> {
    const keyId = caps.keyId;
    for (const [period, cap, label] of capPeriods(caps, now)) {
      yield* run(this.q.spendRow.bind({ keyId, period }));
      const ok = yield* firstOf(cap == null ? this.q.addSpend.bind({ keyId, period, amount }) : this.q.addSpendCapped.bind({ keyId, period, amount, cap }));
      if (!ok) throw this.capExceeded(keyId, label, cap!, amount);
    }
  }

  private *returnSpend(keyId: string, amount: number, heldAt: number): TxWork<void> {
    for (const period of [dayPeriod(heldAt), monthPeriod(heldAt)]) yield* run(this.q.returnSpend.bind({ keyId, period, amount }));
  }

  private *entry(e: Omit<LedgerEntry, 'id' | 'note'> & { note?: string }): TxWork<void> {
    yield* run(this.q.entry.bind({ ...e, id: newId('txn').replace('txn_', 'led_'), note: e.note ?? null }));
  }
}

/** What a credit is paid for, taken in the credit's transaction (Ledger.creditFor). */
export interface LedgerClaim {
  /** Reads only; throws the refusal when the thing cannot be taken. */
  check: () => ReadWork<void>;
  /** The transaction's first write: takes it for the credit `txn`, or throws (nothing is written before it). */
  claim: (txn: string) => TxWork<void>;
}

/** A change of an account's balance outside any request. */
export interface Adjustment {
  accountId: string;
  amount: number;
  kind: 'credit' | 'debit' | 'adjustment' | 'topup';
  note?: string;
  alongside?: (txn: string) => TxWork<void>;
  claim?: LedgerClaim;
}

/** One append-only ledger row; `txn` is the billing transaction (the hold's id, or an adjustment's). */
type LedgerEntry = {
  id: string;
  accountId: string;
  keyId: string | null;
  txn: string;
  kind: LedgerKind;
  amount: number;
  charged: number;
  balanceAfter: number;
  note: string | null;
  now: number;
};

function hotStatements(db: Kysely<Database>) {
  return {
    /** An account's balance (a hold's check). */
    balance: preparedQuery((v: { accountId: string }) => db.selectFrom('accounts').select('balance').where('id', '=', v.accountId)),
    /** Take `amount` from the balance if it is there; the new balance, or no row. */
    debit: preparedQuery((v: { accountId: string; amount: number }) =>
      db
        .updateTable('accounts')
        .set({ balance: sql<number>`balance - ${v.amount}` })
        .where('id', '=', v.accountId)
        .where('balance', '>=', v.amount)
        .returning('balance'),
    ),
    credit: preparedQuery((v: { accountId: string; amount: number }) =>
      db
        .updateTable('accounts')
        .set({ balance: sql<number>`balance + ${v.amount}` })
        .where('id', '=', v.accountId)
        .returning('balance'),
    ),
    openHold: preparedQuery(
      (v: {
        id: string;
        accountId: string;
        keyId: string | null;
        requestId: string;
        model: string;
        amount: number;
        owner: string;
        /** 1 when the hold reserved its amount in the key's spend, else 0 (a bound parameter, so a number). */
        spendReserved: number;
        now: number;
      }) =>
        db.insertInto('holds').values({
          id: v.id,
          account_id: v.accountId,
          key_id: v.keyId,
          request_id: v.requestId,
          model: v.model,
          amount: v.amount,
          status: 'open',
          charged: 0,
          owner: v.owner,
          created_at: v.now,
          closed_at: null,
          spend_reserved: v.spendReserved,
        }),
    ),
    /** Close a hold that is still open: the guard that makes settle and refund happen once. */
    closeHold: preparedQuery((v: { id: string; status: 'settled' | 'released'; charged: number; now: number }) =>
      db
        .updateTable('holds')
        .set({ status: v.status, charged: v.charged, closed_at: v.now })
        .where('id', '=', v.id)
        .where('status', '=', 'open')
        .returning(['account_id', 'key_id', 'amount', 'created_at', 'spend_reserved']),
    ),
    /** A key's spend row of a period, made empty if it is not there yet. */
    spendRow: preparedQuery((v: { keyId: string; period: string }) =>
      db
        .insertInto('key_spend')
        .values({ key_id: v.keyId, period: v.period, amount: 0 })
        .onConflict((oc) => oc.columns(['key_id', 'period']).doNothing()),
    ),
    addSpend: preparedQuery((v: { keyId: string; period: string; amount: number }) =>
      db
        .updateTable('key_spend')
        .set({ amount: sql<number>`amount + ${v.amount}` })
        .where('key_id', '=', v.keyId)
        .where('period', '=', v.period)
        .returning('amount'),
    ),
    /** addSpend unless it would pass `cap`: the new amount, or no row. */
    addSpendCapped: preparedQuery((v: { keyId: string; period: string; amount: number; cap: number }) =>
      db
        .updateTable('key_spend')
        .set({ amount: sql<number>`amount + ${v.amount}` })
        .where('key_id', '=', v.keyId)
        .where('period', '=', v.period)
        .where(sql<boolean>`amount + ${v.amount} <= ${v.cap}`)
        .returning('amount'),
    ),
    /** What a settle or refund gives back of a hold's spend, in the periods of the hold. */
    returnSpend: preparedQuery((v: { keyId: string; period: string; amount: number }) =>
      db
        .updateTable('key_spend')
        .set({ amount: sql<number>`amount - ${v.amount}` })
        .where('key_id', '=', v.keyId)
        .where('period', '=', v.period),
    ),
    entry: preparedQuery((v: LedgerEntry) =>
      db.insertInto('ledger').values({
        id: v.id,
        account_id: v.accountId,
        key_id: v.keyId,
        billing_transaction_id: v.txn,
        kind: v.kind,
        amount: v.amount,
        charged: v.charged,
        balance_after: v.balanceAfter,
        note: v.note,
        created_at: v.now,
      }),
    ),
  };
}

/** 1234567 micro-USD → "1.234567 USD": every digit, as errors about money quote it. */
export function formatMoney(micro: number, currency: string): string {
  return `${decimalAmount(micro)} ${currency}`;
}
