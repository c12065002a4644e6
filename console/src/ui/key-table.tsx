/** API keys as a table: who owns each, its limits and state; optional per-row actions. */
import type { ComponentChildren } from 'preact';
import type { KeyView } from '../api/types.js';
import { Link } from '../router/router.js';
import { count, time } from './format.js';
import { termLabel, t } from './messages.js';
import { Table } from './table.js';

const limit = (v: number | null) => (v === null ? '—' : count(v));

/** `account` off where the page is the account's own (its id in every row says nothing). */
export function KeyTable(props: { keys: KeyView[]; empty: ComponentChildren; actions?: (k: KeyView) => ComponentChildren; busy?: boolean; account?: boolean }) {
  return (
    <Table
      rows={props.keys}
      rowKey={(k) => k.id}
      caption={t('keysCaption')}
      busy={props.busy}
      empty={props.empty}
      columns={[
        { title: t('keyName'), cell: (k) => k.name ?? <span class="muted">{t('unnamed')}</span> },
        { title: t('keyKey'), cell: (k) => <code>{k.prefix}…</code> },
        ...(props.account === false
          ? []
          : [{ title: t('keyAccount'), cell: (k: KeyView) => <Link to={`/accounts/${encodeURIComponent(k.account_id)}`}>{k.account_id}</Link> }]),
        {
          title: t('keyStatus'),
          cell: (k) => <span class={`badge ${k.status}`}>{k.admin ? t('adminKeyStatus', { status: termLabel(k.status) }) : termLabel(k.status)}</span>,
        },
        { title: t('keyModels'), cell: (k) => (k.models?.length ? k.models.join(', ') : <span class="muted">{t('allModels')}</span>) },
        { title: t('keyRpm'), numeric: true, cell: (k) => limit(k.rpm) },
        { title: t('keyIpm'), numeric: true, cell: (k) => limit(k.ipm) },
        { title: t('keyExpires'), cell: (k) => time(k.expires_at) },
        ...(props.actions ? [{ title: t('actions'), cell: props.actions }] : []),
      ]}
    />
  );
}
