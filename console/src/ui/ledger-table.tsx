/** An account's ledger entries as a table, newest first: the operator's account page and a member's top-up page. */
import type { LedgerEntry } from '../api/types.js';
import { money, time } from './format.js';
import { Table } from './table.js';

export function LedgerTable(props: { rows: LedgerEntry[]; currency: string; busy?: boolean }) {
  const c = props.currency;
  return (
    <Table
      rows={props.rows}
      rowKey={(e) => e.id}
      caption="Ledger entries"
      busy={props.busy}
      empty="No ledger entries yet."
      columns={[
        { title: 'When', nowrap: true, cell: (e) => time(e.created_at) },
        { title: 'Kind', cell: (e) => e.kind },
        { title: 'Amount', numeric: true, cell: (e) => money(e.amount, c) },
        { title: 'Charged', numeric: true, cell: (e) => (e.charged === null ? '' : money(e.charged, c)) },
        { title: 'Balance after', numeric: true, cell: (e) => money(e.balance_after, c) },
        { title: 'Transaction', cell: (e) => (e.billing_transaction_id ? <code>{e.billing_transaction_id}</code> : '—') },
        { title: 'Note', cell: (e) => e.note ?? '' },
      ]}
    />
  );
}
