/** Usage: requests, images and spend grouped by day, model, key or account, as a chart and a table, with CSV. */
import { withQuery } from '../api/client.js';
import type { List, Priced, UsageGroup, UsageRow } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { BarChart } from '../ui/chart.js';
import { Filters } from '../ui/filters.js';
import { count, localToUnix, money } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { type Column, Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';

const GROUPS: Array<[UsageGroup, string]> = [
  ['day', 'Day'],
  ['model', 'Model'],
  ['key', 'Key'],
  ['account', 'Account'],
];

function groupLabel(r: UsageRow, g: UsageGroup) {
  if (g === 'day') return r.day ?? '';
  if (g === 'model') return r.model ?? '(none)';
  if (g === 'key') return r.key_id ?? '(none)';
  return r.account_id ?? '(none)';
}

export function UsagePage() {
  const [q, set] = useQueryState();
  const group = (GROUPS.find(([g]) => g === q.group_by)?.[0] ?? 'day') as UsageGroup;
  const query = { group_by: group, account_id: q.account_id, key_id: q.key_id, model: q.model, from: localToUnix(q.from), to: localToUnix(q.to) };
  const usage = useApi<List<UsageRow> & Priced>(withQuery('/v1/admin/usage', query));
  return (
    <>
      <PageHead title="Usage">
        <fieldset class="segmented">
          <legend class="sr-only">Group by</legend>
          {GROUPS.map(([g, label]) => (
            <button key={g} type="button" aria-pressed={g === group} onClick={() => set({ group_by: g === 'day' ? undefined : g })}>
              {label}
            </button>
          ))}
        </fieldset>
        <a class="button" href={withQuery('/v1/admin/usage', { ...query, format: 'csv' })} download={`usage-by-${group}.csv`}>
          Export CSV
        </a>
      </PageHead>
      <Filters
        fields={[
          { name: 'account_id', label: 'Account id' },
          { name: 'key_id', label: 'Key id' },
          { name: 'model', label: 'Model' },
          { name: 'from', label: 'From', type: 'datetime-local' },
          { name: 'to', label: 'To', type: 'datetime-local' },
        ]}
      />
      <Loaded state={usage}>
        {(u) => {
          const cur = (v: number) => money(v, u.currency);
          const link = (r: UsageRow) => {
            const text = groupLabel(r, group);
            if (group === 'account' && r.account_id) return <Link to={`/accounts/${encodeURIComponent(r.account_id)}`}>{text}</Link>;
            return group === 'day' ? text : <code>{text}</code>;
          };
          const columns: Column<UsageRow>[] = [
            { title: GROUPS.find(([g]) => g === group)![1], cell: link },
            { title: 'Requests', numeric: true, cell: (r) => count(r.requests) },
            { title: 'Succeeded', numeric: true, cell: (r) => count(r.succeeded) },
            { title: 'Images', numeric: true, cell: (r) => count(r.images) },
            { title: 'Spend', numeric: true, cell: (r) => cur(r.spend) },
          ];
          const bars = u.data.map((r) => ({ label: groupLabel(r, group), value: r.spend }));
          return (
            <>
              {u.data.length ? (
                <div class="charts two">
                  <BarChart title="Spend" bars={bars} format={cur} total={cur(u.data.reduce((n, r) => n + r.spend, 0))} />
                  <BarChart
                    title="Images"
                    bars={u.data.map((r) => ({ label: groupLabel(r, group), value: r.images }))}
                    format={count}
                    total={count(u.data.reduce((n, r) => n + r.images, 0))}
                  />
                </div>
              ) : null}
              <Table
                rows={u.data}
                rowKey={(r) => groupLabel(r, group)}
                columns={columns}
                caption="Usage"
                busy={usage.loading}
                empty="No usage in this range."
              />
            </>
          );
        }}
      </Loaded>
    </>
  );
}
