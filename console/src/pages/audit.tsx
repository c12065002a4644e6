/** The audit log: every change a person made to money or access, newest first, filtered. */
import { withQuery } from '../api/client.js';
import type { AuditEntryView, Page } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { Filters } from '../ui/filters.js';
import { localToUnix, money, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { AUDIT_ACTIONS, actionLabel, actionText, t } from './audit.messages.js';

/** A change's attributes as `name: value` pairs, one line each. */
function Diff({ diff }: { diff: Record<string, unknown> }) {
  return (
    <ul class="diff">
      {Object.entries(diff).map(([k, v]) => (
        <li key={k}>
          <span class="muted">{k}:</span> {typeof v === 'string' ? v : JSON.stringify(v)}
        </li>
      ))}
    </ul>
  );
}

function target(e: AuditEntryView) {
  if (e.target.kind === 'account') return <Link to={`/accounts/${encodeURIComponent(e.target.id)}`}>{e.target.id}</Link>;
  return <code>{e.target.id}</code>;
}

export function AuditPage() {
  const [q] = useQueryState();
  const currency = useCurrency();
  const list = useApi<Page<AuditEntryView>>(
    withQuery('/v1/admin/audit', {
      action: q.action,
      target_id: q.target_id,
      actor: q.actor,
      from: localToUnix(q.from),
      to: localToUnix(q.to),
      after: q.after,
      limit: 50,
    }),
  );
  return (
    <>
      <PageHead title={t('title')} />
      <Filters
        fields={[
          { name: 'action', label: t('action'), options: AUDIT_ACTIONS.map((a) => [a, actionLabel(a)]) },
          { name: 'target_id', label: t('targetId') },
          { name: 'actor', label: t('actor') },
          { name: 'from', label: t('from'), type: 'datetime-local' },
          { name: 'to', label: t('to'), type: 'datetime-local' },
        ]}
      />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(e) => e.id}
              caption={t('title')}
              busy={list.loading}
              empty={t('noMatch')}
              columns={[
                { title: t('when'), nowrap: true, cell: (e) => time(e.at) },
                { title: t('actor'), cell: (e) => <code>{e.actor}</code> },
                { title: t('fromIp'), cell: (e) => e.actor_ip ?? '—' },
                { title: t('action'), nowrap: true, cell: (e) => actionText(e.action) },
                { title: t('target'), cell: target },
                { title: t('amount'), numeric: true, cell: (e) => (e.amount === null ? '' : money(e.amount, currency)) },
                { title: t('change'), cell: (e) => e.note ?? (e.diff ? <Diff diff={e.diff} /> : '') },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
    </>
  );
}
