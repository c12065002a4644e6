/** Usage: requests, images, spend and the tokens upstreams reported, grouped by day, model, key or account, as a chart and a table, with CSV. */
import { withQuery } from '../api/client.js';
import type { List, Priced, UsageGroup, UsageRow } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { BarChart } from '../ui/chart.js';
import { Filters } from '../ui/filters.js';
import { count, day, localToUnix, money } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { type Column, Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { t } from './usage.messages.js';

const GROUPS: UsageGroup[] = ['day', 'model', 'key', 'account'];

function groupLabel(r: UsageRow, g: UsageGroup) {
  if (g === 'day') return r.day ? day(r.day) : '';
  if (g === 'model') return r.model ?? t('none');
  if (g === 'key') return r.key_id ?? t('none');
  return r.account_id ?? t('none');
}

export function UsagePage() {
  const [q, set] = useQueryState();
  const group = GROUPS.find((g) => g === q.group_by) ?? 'day';
  const query = { group_by: group, account_id: q.account_id, key_id: q.key_id, model: q.model, from: localToUnix(q.from), to: localToUnix(q.to) };
  const usage = useApi<List<UsageRow> & Priced>(withQuery('/v1/admin/usage', query));
  return (
    <>
      <PageHead title={t('title')}>
        <fieldset class="segmented">
          <legend class="sr-only">{t('groupBy')}</legend>
          {GROUPS.map((g) => (
            <button key={g} type="button" aria-pressed={g === group} onClick={() => set({ group_by: g === 'day' ? undefined : g })}>
              {t(g)}
            </button>
          ))}
        </fieldset>
        <a class="button" href={withQuery('/v1/admin/usage', { ...query, format: 'csv' })} download={`usage-by-${group}.csv`}>
          {t('exportCsv')}
        </a>
      </PageHead>
      <Filters
        fields={[
          { name: 'account_id', label: t('accountId') },
          { name: 'key_id', label: t('keyId') },
          { name: 'model', label: t('model') },
          { name: 'from', label: t('from'), type: 'datetime-local' },
          { name: 'to', label: t('to'), type: 'datetime-local' },
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
            { title: t(group), cell: link },
            { title: t('requests'), numeric: true, cell: (r) => count(r.requests) },
            { title: t('succeeded'), numeric: true, cell: (r) => count(r.succeeded) },
            { title: t('images'), numeric: true, cell: (r) => count(r.images) },
            { title: t('spend'), numeric: true, cell: (r) => cur(r.spend) },
            { title: t('inputTextTokens'), numeric: true, cell: (r) => count(r.input_text_tokens) },
            { title: t('inputImageTokens'), numeric: true, cell: (r) => count(r.input_image_tokens) },
            { title: t('outputImageTokens'), numeric: true, cell: (r) => count(r.output_image_tokens) },
            { title: t('outputTextTokens'), numeric: true, cell: (r) => count(r.output_text_tokens) },
          ];
          const bars = u.data.map((r) => ({ label: groupLabel(r, group), value: r.spend }));
          return (
            <>
              {u.data.length ? (
                <div class="charts two">
                  <BarChart title={t('spend')} bars={bars} format={cur} total={cur(u.data.reduce((n, r) => n + r.spend, 0))} />
                  <BarChart
                    title={t('images')}
                    bars={u.data.map((r) => ({ label: groupLabel(r, group), value: r.images }))}
                    format={count}
                    total={count(u.data.reduce((n, r) => n + r.images, 0))}
                  />
                </div>
              ) : null}
              <Table rows={u.data} rowKey={(r) => groupLabel(r, group)} columns={columns} caption={t('title')} busy={usage.loading} empty={t('empty')} />
            </>
          );
        }}
      </Loaded>
    </>
  );
}
