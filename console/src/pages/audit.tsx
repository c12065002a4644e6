/** The audit log: every change a person made to money or access, newest first, filtered. */
import { withQuery } from '../api/client.js';
import type { AuditAction, AuditEntryView, Page } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { Filters } from '../ui/filters.js';
import { localToUnix, money, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';

/** Every action the server records has a label: a new action fails the console's typecheck until it has one. */
const LABELS: Record<AuditAction, string> = {
  'account.create': 'Account created',
  'account.credit': 'Credit',
  'account.debit': 'Debit',
  'account.update': 'Account changed',
  'key.create': 'Key created',
  'key.update': 'Key changed',
  'key.revoke': 'Key revoked',
  'user.create': 'User created',
  'user.update': 'User changed',
  'user.disable': 'User disabled',
  'task.cancel': 'Task canceled',
  'topup.create': 'Top-up codes issued',
  'topup.void': 'Top-up code voided',
  'topup.redeem': 'Top-up code redeemed',
  'invite.create': 'Invite created',
  'invite.revoke': 'Invite revoked',
};
const ACTIONS = Object.entries(LABELS);

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
      <PageHead title="Audit log" />
      <Filters
        fields={[
          { name: 'action', label: 'Action', options: ACTIONS },
          { name: 'target_id', label: 'Target id' },
          { name: 'actor', label: 'Actor' },
          { name: 'from', label: 'From', type: 'datetime-local' },
          { name: 'to', label: 'To', type: 'datetime-local' },
        ]}
      />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(e) => e.id}
              caption="Audit log"
              busy={list.loading}
              empty="No audit entry matches these filters."
              columns={[
                { title: 'When', nowrap: true, cell: (e) => time(e.at) },
                { title: 'Actor', cell: (e) => <code>{e.actor}</code> },
                { title: 'From', cell: (e) => e.actor_ip ?? '—' },
                { title: 'Action', nowrap: true, cell: (e) => LABELS[e.action as AuditAction] ?? e.action },
                { title: 'Target', cell: target },
                { title: 'Amount', numeric: true, cell: (e) => (e.amount === null ? '' : money(e.amount, currency)) },
                { title: 'Reason / change', cell: (e) => e.note ?? (e.diff ? <Diff diff={e.diff} /> : '') },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
    </>
  );
}
