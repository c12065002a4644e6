/** An account's ledger entries as a table, newest first: the operator's account page and a member's top-up page. */
import type { LedgerEntry } from '../api/types.js';
import { money, time } from './format.js';
import { t } from './ledger-table.messages.js';
import { termLabel } from './messages.js';
import { Table } from './table.js';

export function LedgerTable(props: { rows: LedgerEntry[]; currency: string; busy?: boolean }) {
  const c = props.currency;
  return (
    <Table
      rows={props.rows}
      rowKey={(e) => e.id}
      caption={t('caption')}
      busy={props.busy}
      empty={t('empty')}
      columns={[
        { title: t('when'), nowrap: true, cell: (e) => time(e.created_at) },
        { title: t('kind'), cell: (e) => termLabel(e.kind) },
        { title: t('amount'), numeric: true, cell: (e) => money(e.amount, c) },
        { title: t('charged'), numeric: true, cell: (e) => (e.charged === null ? '' : money(e.charged, c)) },
        { title: t('balanceAfter'), numeric: true, cell: (e) => money(e.balance_after, c) },
        { title: t('transaction'), cell: (e) => (e.billing_transaction_id ? <code>{e.billing_transaction_id}</code> : '—') },
        { title: t('note'), cell: (e) => e.note ?? '' },
      ]}
    />
  );
}
