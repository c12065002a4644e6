/**
 * Top up: redeem a code (a refusal says why: already redeemed, voided or expired, and when), then the
 * account's ledger, newest first and paged, where the redemption appears as a `topup` entry.
 */
import { useState } from 'preact/hooks';
import { ApiError, sendJson, withQuery } from '../../api/client.js';
import type { LedgerEntry, Page, Priced, TopupRedemptionView } from '../../api/types.js';
import { useQueryState } from '../../router/router.js';
import { ActionForm, TextField } from '../../ui/form.js';
import { money, time } from '../../ui/format.js';
import { LedgerTable } from '../../ui/ledger-table.js';
import { PageHead } from '../../ui/layout.js';
import { Pager } from '../../ui/pager.js';
import { Loaded } from '../../ui/status.js';
import { useApi } from '../../ui/use-api.js';
import { t } from './messages.js';

const REFUSALS = { redeemed: 'refusedRedeemed', voided: 'refusedVoided', expired: 'refusedExpired' } as const;

/** The gateway's refusal in the console's language when it says why; its own message otherwise. */
function explained(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  const reason = e.details.reason;
  if (typeof reason !== 'string' || !(reason in REFUSALS)) return e;
  const at = typeof e.details.at === 'number' ? time(e.details.at) : '—';
  return new ApiError(e.status, t(REFUSALS[reason as keyof typeof REFUSALS], { when: at }), e.code, e.param, e.details);
}

export function TopUpPage() {
  const [code, setCode] = useState('');
  const [done, setDone] = useState<TopupRedemptionView | null>(null);
  const [version, setVersion] = useState(0);
  const redeem = async () => {
    setDone(null);
    try {
      setDone(await sendJson<TopupRedemptionView>('POST', '/v1/console/account/redeem', { code }));
    } catch (e) {
      throw explained(e);
    }
    setCode('');
    setVersion((v) => v + 1);
  };
  return (
    <>
      <PageHead title={t('topUpTitle')} />
      <section class="card narrow-form">
        <h2>{t('redeemTitle')}</h2>
        <ActionForm action={redeem} submit={t('redeem')}>
          <TextField label={t('code')} hint={t('codeHint')} autoComplete="off" spellcheck={false} value={code} onValue={setCode} required />
        </ActionForm>
        {done ? (
          <p class="note ok" role="status">
            {t('redeemed', { amount: money(done.amount, done.currency), balance: money(done.balance, done.currency) })}
          </p>
        ) : null}
      </section>
      <h2>{t('ledgerTitle')}</h2>
      <Ledger version={version} />
    </>
  );
}

function Ledger({ version }: { version: number }) {
  const [q] = useQueryState();
  const ledger = useApi<Page<LedgerEntry> & Priced>(withQuery('/v1/console/account/ledger', { after: q.after, limit: 50, v: version || undefined }));
  return (
    <Loaded state={ledger}>
      {(l) => (
        <>
          <LedgerTable rows={l.data} currency={l.currency} busy={ledger.loading} />
          <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
        </>
      )}
    </Loaded>
  );
}
