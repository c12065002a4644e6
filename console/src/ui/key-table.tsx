/** API keys as a table: who owns each, its limits and state; optional per-row actions. */
import type { ComponentChildren } from 'preact';
import type { KeyView } from '../api/types.js';
import { Link } from '../router/router.js';
import { count, time } from './format.js';
import { Table } from './table.js';

const limit = (v: number | null) => (v === null ? '—' : count(v));

/** `account` off where the page is the account's own (its id in every row says nothing). */
export function KeyTable(props: { keys: KeyView[]; empty: ComponentChildren; actions?: (k: KeyView) => ComponentChildren; busy?: boolean; account?: boolean }) {
  return (
    <Table
      rows={props.keys}
      rowKey={(k) => k.id}
      caption="API keys"
      busy={props.busy}
      empty={props.empty}
      columns={[
        { title: 'Name', cell: (k) => k.name ?? <span class="muted">unnamed</span> },
        { title: 'Key', cell: (k) => <code>{k.prefix}…</code> },
        ...(props.account === false
          ? []
          : [{ title: 'Account', cell: (k: KeyView) => <Link to={`/accounts/${encodeURIComponent(k.account_id)}`}>{k.account_id}</Link> }]),
        { title: 'Status', cell: (k) => <span class={`badge ${k.status}`}>{k.admin ? `${k.status}, admin` : k.status}</span> },
        { title: 'Models', cell: (k) => (k.models?.length ? k.models.join(', ') : <span class="muted">all</span>) },
        { title: 'RPM', numeric: true, cell: (k) => limit(k.rpm) },
        { title: 'IPM', numeric: true, cell: (k) => limit(k.ipm) },
        { title: 'Expires', cell: (k) => time(k.expires_at) },
        ...(props.actions ? [{ title: 'Actions', cell: props.actions }] : []),
      ]}
    />
  );
}
