/** Accounts: who holds a balance. Money only moves through the Ledger. */
import type { Kysely } from 'kysely';
import { newId } from '../domain/ids.js';
import type { Database } from '../store/schema.js';
import type { TxWork } from '../store/transact.js';
import type { Ledger } from './ledger.js';

export interface Account {
  id: string;
  name: string;
  balance: number;
  createdAt: number;
}

export class Accounts {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ledger: Ledger,
  ) {}

  /** `alongside` is written in the opening credit's transaction (see Ledger.adjust); only with a credit. */
  async create(name: string, initialCredit = 0, id = newId('acct'), alongside?: (txn: string) => TxWork<void>): Promise<Account> {
    const now = Date.now();
    await this.db.insertInto('accounts').values({ id, name, balance: 0, created_at: now }).execute();
    if (initialCredit > 0) await this.ledger.adjust(id, initialCredit, 'credit', 'initial credit', alongside);
    return { id, name, balance: initialCredit, createdAt: now };
  }

  async get(id: string): Promise<Account | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { id: r.id, name: r.name, balance: r.balance, createdAt: r.created_at } : undefined;
  }

  /** Open holds of each of these accounts, in one query; an account without any is absent. */
  async heldByAccount(ids: readonly string[]): Promise<Map<string, { amount: number; count: number }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('holds')
      .select((eb) => ['account_id', eb.fn.sum<number>('amount').as('amount'), eb.fn.countAll<number>().as('count')])
      .where('account_id', 'in', ids)
      .where('status', '=', 'open')
      .groupBy('account_id')
      .execute();
    return new Map(rows.map((r) => [r.account_id, { amount: Number(r.amount), count: Number(r.count) }]));
  }

  /** Sum of open holds: money reserved by requests in flight. */
  async held(id: string): Promise<{ amount: number; count: number }> {
    const r = await this.db
      .selectFrom('holds')
      .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('amount'), eb.fn.countAll<number>().as('count')])
      .where('account_id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    return { amount: Number(r.amount), count: Number(r.count) };
  }
}
