/**
 * Requests: the request log, filtered and paged newest first; a request id goes straight to its detail. Client
 * traffic by default: the console's own admin calls would bury it, so they are listed only on request.
 */
import { withQuery } from '../api/client.js';
import type { Page, RequestView } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { Filters } from '../ui/filters.js';
import { CheckField } from '../ui/form.js';
import { count, localToUnix, money, ms, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';
import { t } from './requests.messages.js';

export function RequestsPage() {
  const [q, set] = useQueryState();
  const currency = useCurrency();
  const scope = useScope();
  const withAdmin = q.include_admin === 'true';
  const list = useApi<Page<RequestView>>(
    withQuery(`${scope.api}/requests`, {
      traffic: withAdmin || scope.member ? undefined : 'client',
      id: q.id,
      status: q.status,
      error_code: q.error_code,
      model: q.model,
      key_id: q.key_id,
      account_id: scope.member ? undefined : q.account_id,
      from: localToUnix(q.from),
      to: localToUnix(q.to),
      after: q.after,
      limit: 50,
    }),
  );
  return (
    <>
      <PageHead title={t('title')}>
        {scope.member ? null : (
          <CheckField
            label={t('includeAdmin')}
            checked={withAdmin}
            onValue={(v) => set({ include_admin: v ? 'true' : undefined, after: undefined, trail: undefined })}
          />
        )}
      </PageHead>
      <Filters
        fields={[
          { name: 'id', label: t('requestId'), type: 'search', placeholder: 'req_…' },
          { name: 'status', label: t('httpStatus'), placeholder: '402' },
          { name: 'error_code', label: t('errorCode') },
          { name: 'model', label: t('model') },
          { name: 'key_id', label: t('keyId') },
          ...(scope.member ? [] : [{ name: 'account_id', label: t('accountId') }]),
          { name: 'from', label: t('from'), type: 'datetime-local' },
          { name: 'to', label: t('to'), type: 'datetime-local' },
        ]}
      />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(r) => r.id}
              caption={t('title')}
              busy={list.loading}
              empty={withAdmin ? t('noMatch') : t('noClientMatch')}
              columns={[
                { title: t('when'), nowrap: true, cell: (r) => time(r.created_at) },
                {
                  title: t('request'),
                  cell: (r) => (
                    <Link to={`/requests/${encodeURIComponent(r.id)}`}>
                      <code>{r.id}</code>
                    </Link>
                  ),
                },
                { title: t('endpoint'), cell: (r) => <code>{r.endpoint}</code> },
                { title: t('model'), cell: (r) => r.model ?? '—' },
                // The error code under its status, so the table fits a laptop's width without sideways scrolling.
                {
                  title: t('status'),
                  cell: (r) => (
                    <>
                      <span class={r.status >= 400 ? 'bad' : undefined}>{r.status}</span>
                      {r.error_code ? <div class="small">{r.error_code}</div> : null}
                    </>
                  ),
                },
                { title: t('latency'), numeric: true, cell: (r) => ms(r.latency_ms) },
                { title: t('images'), numeric: true, cell: (r) => count(r.images) },
                { title: t('amount'), numeric: true, cell: (r) => (currency ? money(r.amount, currency) : count(r.amount)) },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
    </>
  );
}
