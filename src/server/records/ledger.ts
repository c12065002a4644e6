/** Ledger entries as the admin API and an account's member read them: one page newest first, or the whole export. */
import type { Kysely, Selectable } from 'kysely';
import { invalidRequest } from '../../domain/errors.js';
import type { Database, LedgerTable } from '../../store/schema.js';
import { page } from '../routes/admin-page.js';

export interface LedgerFilter {
  accountId?: string;
  billingTransactionId?: string;
  /** ms, inclusive. */
  from?: number;
  /** ms, exclusive. */
  to?: number;
}

export const LEDGER_COLUMNS = [
  'id',
  'account_id',
  'key_id',
  'billing_transaction_id',
  'kind',
  'amount',
  'charged',
  'balance_after',
  'note',
  'created_at',
] as const;

export function ledgerView(r: Selectable<LedgerTable>) {
  return {
    id: r.id,
    account_id: r.account_id,
    key_id: r.key_id,
    billing_transaction_id: r.billing_transaction_id,
    kind: r.kind,
    amount: r.amount,
    charged: r.charged,
    balance_after: r.balance_after,
    note: r.note,
    created_at: new Date(r.created_at).toISOString(),
  };
}

export type LedgerEntryView = ReturnType<typeof ledgerView>;

function filtered(db: Kysely<Database>, f: LedgerFilter) {
  let sel = db.selectFrom('ledger').selectAll();
  if (f.accountId) sel = sel.where('account_id', '=', f.accountId);
  if (f.billingTransactionId) sel = sel.where('billing_transaction_id', '=', f.billingTransactionId);
  if (f.from !== undefined) sel = sel.where('created_at', '>=', f.from);
  if (f.to !== undefined) sel = sel.where('created_at', '<', f.to);
  return sel;
}

/**
 * One page, newest first by insertion order; `after` is the last entry id of the previous page. An entry of
 * another account as the cursor is refused like an unknown one, so a cursor reveals nothing across accounts.
 */
export async function ledgerPage(db: Kysely<Database>, f: LedgerFilter, after: string | undefined, limit: number) {
  let sel = filtered(db, f);
  if (after) {
    let cq = db.selectFrom('ledger').select('seq').where('id', '=', after);
    if (f.accountId) cq = cq.where('account_id', '=', f.accountId);
    const cursor = await cq.executeTakeFirst();
    if (!cursor) throw invalidRequest('after', `after must be the id of a ledger entry of the previous page; there is no "${after}".`);
    sel = sel.where('seq', '<', cursor.seq);
  }
  // (account_id, seq) makes an account's page a range seek.
  const rows = await sel
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  return page(rows, limit, ledgerView);
}

/** Every matching entry, oldest first (the export). */
export async function ledgerExport(db: Kysely<Database>, f: LedgerFilter): Promise<LedgerEntryView[]> {
  return (await filtered(db, f).orderBy('seq').execute()).map(ledgerView);
}
