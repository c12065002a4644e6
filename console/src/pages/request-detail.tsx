/** One request of the log: where it went, what it cost (and the tokens reported), and the request's shape as stored (keys and image data stripped). */
import type { ComponentChildren } from 'preact';
import type { RequestDetail } from '../api/types.js';
import { Link } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { count, money, ms, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { Facts } from '../ui/table.js';
import { termLabel } from '../ui/messages.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';
import { t } from './requests.messages.js';

/** A token count the upstream reported; none reported shows as missing, not as zero. */
const tokens = (n: number | null) => (n === null ? null : count(n));

export function RequestDetailPage({ id }: { id: string }) {
  const scope = useScope();
  const r = useApi<RequestDetail>(`${scope.api}/requests/${encodeURIComponent(id)}`);
  const currency = useCurrency();
  return (
    <>
      <PageHead title={t('requestOf', { id })} back={{ to: '/requests', label: t('title') }} />
      <Loaded state={r}>
        {(d) => (
          <>
            <Facts
              items={[
                [t('when'), time(d.created_at)],
                [t('endpoint'), <code key="e">{d.endpoint}</code>],
                [t('operation'), d.operation ? termLabel(d.operation) : null],
                [t('model'), d.model],
                [t('status'), <span class={d.status >= 400 ? 'bad' : undefined}>{d.status}</span>],
                [t('errorCode'), d.error_code],
                [t('route'), d.route ? <code>{d.route}</code> : null],
                [t('upstreamId'), d.upstream_request_id ? <code>{d.upstream_request_id}</code> : null],
                [t('latency'), ms(d.latency_ms)],
                [t('images'), count(d.images)],
                [t('amount'), currency ? money(d.amount, currency) : count(d.amount)],
                [t('inputTextTokens'), tokens(d.input_text_tokens)],
                [t('inputImageTokens'), tokens(d.input_image_tokens)],
                [t('outputImageTokens'), tokens(d.output_image_tokens)],
                [t('outputTextTokens'), tokens(d.output_text_tokens)],
                [
                  t('billing'),
                  d.billing_transaction_id && d.account_id && !scope.member ? (
                    <Link to={`/accounts/${encodeURIComponent(d.account_id)}`}>{d.billing_transaction_id}</Link>
                  ) : (
                    d.billing_transaction_id
                  ),
                ],
                ...(scope.member
                  ? []
                  : [
                      [t('account'), d.account_id ? <Link to={`/accounts/${encodeURIComponent(d.account_id)}`}>{d.account_id}</Link> : null] as [
                        string,
                        ComponentChildren,
                      ],
                    ]),
                [t('key'), d.key_id ? <code>{d.key_id}</code> : null],
              ]}
            />
            {d.error_message ? (
              <>
                <h2>{t('errorMessage')}</h2>
                <p class="error-message">{d.error_message}</p>
              </>
            ) : null}
            <h2>{t('shape')}</h2>
            {d.request_shape === null ? <p class="muted">{t('noShape')}</p> : <pre class="json">{JSON.stringify(d.request_shape, null, 2)}</pre>}
          </>
        )}
      </Loaded>
    </>
  );
}
