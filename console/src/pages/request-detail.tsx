/** One request of the log: where it went, what it cost, and the request's shape as stored (keys and image data stripped). */
import type { ComponentChildren } from 'preact';
import type { RequestDetail } from '../api/types.js';
import { Link } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { count, money, ms, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { Facts } from '../ui/table.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';

export function RequestDetailPage({ id }: { id: string }) {
  const scope = useScope();
  const r = useApi<RequestDetail>(`${scope.api}/requests/${encodeURIComponent(id)}`);
  const currency = useCurrency();
  return (
    <>
      <PageHead title={`Request ${id}`} back={{ to: '/requests', label: 'Requests' }} />
      <Loaded state={r}>
        {(d) => (
          <>
            <Facts
              items={[
                ['When', time(d.created_at)],
                ['Endpoint', <code key="e">{d.endpoint}</code>],
                ['Operation', d.operation],
                ['Model', d.model],
                ['Status', <span class={d.status >= 400 ? 'bad' : undefined}>{d.status}</span>],
                ['Error code', d.error_code],
                ['Route', d.route ? <code>{d.route}</code> : null],
                ['Upstream request id', d.upstream_request_id ? <code>{d.upstream_request_id}</code> : null],
                ['Latency', ms(d.latency_ms)],
                ['Images', count(d.images)],
                ['Amount', currency ? money(d.amount, currency) : count(d.amount)],
                [
                  'Billing transaction',
                  d.billing_transaction_id && d.account_id && !scope.member ? (
                    <Link to={`/accounts/${encodeURIComponent(d.account_id)}`}>{d.billing_transaction_id}</Link>
                  ) : (
                    d.billing_transaction_id
                  ),
                ],
                ...(scope.member
                  ? []
                  : [
                      ['Account', d.account_id ? <Link to={`/accounts/${encodeURIComponent(d.account_id)}`}>{d.account_id}</Link> : null] as [
                        string,
                        ComponentChildren,
                      ],
                    ]),
                ['Key', d.key_id ? <code>{d.key_id}</code> : null],
              ]}
            />
            {d.error_message ? (
              <>
                <h2>Error message</h2>
                <p class="error-message">{d.error_message}</p>
              </>
            ) : null}
            <h2>Request shape</h2>
            {d.request_shape === null ? (
              <p class="muted">No request shape was stored for this request.</p>
            ) : (
              <pre class="json">{JSON.stringify(d.request_shape, null, 2)}</pre>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
