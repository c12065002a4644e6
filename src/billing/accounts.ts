/** Accounts: who holds a balance. Money only moves through the Ledger. */
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { type KeyPolicy, parseKeyPolicy } from '../domain/key-policy.js';
import { newId } from '../domain/ids.js';
import type { Db } from '../store/db.js';
import type { AccountsTable, Database } from '../store/schema.js';
import { run, type Transact, type TxWork } from '../store/transact.js';
import type { Ledger } from './ledger.js';

export interface Account {
  id: string;
  name: string;
  balance: number;
  createdAt: number;
  /** What members may give their own keys (no limits when the operator set none). */
  keyPolicy: KeyPolicy;
}

/** What an account holds in open holds. */
export interface Held {
  amount: number;
  count: number;
}

/** An account's balance and its open holds, as of one moment. */
export interface Standing {
  account: Account;
  held: Held;
}

const openHoldsOf = (eb: ExpressionBuilder<Database, 'accounts'>) =>
  eb.selectFrom('holds').whereRef('holds.account_id', '=', 'accounts.id').where('holds.status', '=', 'open');

/**
 * The open holds of each account row, as columns of the same statement: a hold's close commits the balance
 * and the hold's status together, so one statement sees both or neither (two reads could see one of them).
 */
export const heldColumns = (eb: ExpressionBuilder<Database, 'accounts'>) => [
  openHoldsOf(eb)
    .select((h) => h.fn.coalesce(h.fn.sum<number>('holds.amount'), h.lit(0)).as('amount'))
    .as('held_amount'),
  openHoldsOf(eb)
    .select((h) => h.fn.countAll<number>().as('count'))
    .as('held_count'),
];

/** The Held of a row selected with heldColumns. */
export const heldOf = (r: { held_amount: unknown; held_count: unknown }): Held => ({ amount: Number(r.held_amount ?? 0), count: Number(r.held_count ?? 0) });

export class Accounts {
  private readonly db: Kysely<Database>;
  private readonly transact: Transact;

  constructor(
    db: Pick<Db, 'kysely' | 'transact'>,
    private readonly ledger: Ledger,
  ) {
    this.db = db.kysely;
    this.transact = db.transact;
  }

  /**
   * The account and its opening credit in one transaction, with `alongside` (the audit row; given the
   * credit's billing transaction id, or null without a credit): an account never exists without its credit.
   */
  async create(name: string, initialCredit = 0, id = newId('acct'), alongside?: (txn: string | null) => TxWork<void>): Promise<Account> {
    const now = Date.now();
    return this.transact({ write: () => this.createWork({ id, name, credit: initialCredit, now }, alongside) });
  }

  /** Creating an account, as part of the caller's transaction. */
  *createWork(a: { id: string; name: string; credit: number; now: number }, alongside?: (txn: string | null) => TxWork<void>): TxWork<Account> {
    yield* run(this.db.insertInto('accounts').values({ id: a.id, name: a.name, balance: 0, created_at: a.now }));
    let txn: string | null = null;
    if (a.credit > 0) {
      txn = newId('txn');
      yield* this.ledger.adjustWork({ accountId: a.id, amount: a.credit, kind: 'credit', note: 'initial credit' }, txn, a.now);
    }
    if (alongside) yield* alongside(txn);
    return { id: a.id, name: a.name, balance: a.credit, createdAt: a.now, keyPolicy: parseKeyPolicy(null) };
  }

  async get(id: string): Promise<Account | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toAccount(r) : undefined;
  }

  /** The account with its open holds, in one statement (what /v1/balance and the account views show). */
  async standing(id: string): Promise<Standing | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll('accounts').select(heldColumns).where('accounts.id', '=', id).executeTakeFirst();
    return r ? { account: toAccount(r), held: heldOf(r) } : undefined;
  }

  /** Replaces the account's key policy (null: none, members' keys unlimited). Whether the account exists. */
  async setKeyPolicy(id: string, policy: KeyPolicy | null): Promise<boolean> {
    const res = await this.db
      .updateTable('accounts')
      .set({ key_policy: policy === null ? null : JSON.stringify(policy) })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * Money charged to the account since `from` (ms): the settled charges in its ledger, async tasks' included
   * (the request log records a task's charge on no row). Read through the (account_id, seq) index.
   */
  async chargedSince(id: string, from: number): Promise<number> {
    const r = await this.db
      .selectFrom('ledger')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('charged'), eb.lit(0)).as('charged'))
      .where('account_id', '=', id)
      .where('kind', '=', 'settle')
      .where('created_at', '>=', from)
      .executeTakeFirstOrThrow();
    return Number(r.charged);
  }
}

export function toAccount(r: Selectable<AccountsTable>): Account {
  return { id: r.id, name: r.name, balance: r.balance, createdAt: r.created_at, keyPolicy: parseKeyPolicy(r.key_policy) };
}
