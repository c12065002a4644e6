/** One account: balance and holds, its keys, 30 days of usage, the ledger (paged, CSV), credit and debit. */
import { useState } from 'preact/hooks';
import { fieldError, sendJson, withQuery } from '../api/client.js';
import type { AccountView, KeyView, LedgerEntry, List, MoneyBody, MoneyResult, Page, Priced, UsageRow } from '../api/types.js';
import { Link } from '../router/router.js';
import { BarChart } from '../ui/chart.js';
import { Dialog } from '../ui/dialog.js';
import { ActionForm, TextField } from '../ui/form.js';
import { count, day, money, parseMoney, time } from '../ui/format.js';
import { KeyTable } from '../ui/key-table.js';
import { LedgerTable } from '../ui/ledger-table.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { useQueryState } from '../router/router.js';
import { Loaded } from '../ui/status.js';
import { Facts } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { t } from './accounts.messages.js';
import { KeyPolicySection } from './operator/key-policy.js';

const DAY = 86_400;
const KEYS_SHOWN = 20;

export function AccountDetailPage({ id }: { id: string }) {
  const account = useApi<AccountView>(`/v1/admin/accounts/${encodeURIComponent(id)}`);
  const [moving, setMoving] = useState<'credit' | 'debit' | null>(null);
  const [ledgerVersion, setLedgerVersion] = useState(0);
  return (
    <>
      <PageHead title={account.data?.name ?? t('account')} back={{ to: '/accounts', label: t('title') }}>
        <button type="button" onClick={() => setMoving('credit')}>
          {t('credit')}
        </button>
        <button type="button" onClick={() => setMoving('debit')}>
          {t('debit')}
        </button>
      </PageHead>
      <Loaded state={account}>
        {(a) => (
          <Facts
            items={[
              [t('id'), <code key="id">{a.id}</code>],
              [t('balance'), <span class="num">{money(a.balance, a.currency)}</span>],
              [t('held'), <span class="num">{money(a.held, a.currency)}</span>],
              [t('openHolds'), <span class="num">{count(a.open_holds)}</span>],
              [t('created'), time(a.created)],
            ]}
          />
        )}
      </Loaded>
      <h2>{t('keys')}</h2>
      <AccountKeys id={id} />
      {account.data ? <KeyPolicySection account={account.data} onSaved={account.reload} /> : null}
      <h2>{t('usage30')}</h2>
      <AccountUsage id={id} />
      <Ledger id={id} version={ledgerVersion} />
      {moving && account.data ? (
        <MoveMoney
          kind={moving}
          account={account.data}
          onClose={() => setMoving(null)}
          onDone={() => {
            setMoving(null);
            account.reload();
            setLedgerVersion((v) => v + 1);
          }}
        />
      ) : null}
    </>
  );
}

/** The account's newest keys; the Keys page, filtered to the account, pages through the rest and edits them. */
function AccountKeys({ id }: { id: string }) {
  const keys = useApi<Page<KeyView>>(withQuery('/v1/admin/keys', { account_id: id, limit: KEYS_SHOWN }));
  return (
    <>
      <Loaded state={keys}>
        {(k) => (
          <>
            <KeyTable keys={k.data} account={false} empty={t('noKeys')} />
            {k.has_more ? <p class="muted">{t('newestKeys', { n: KEYS_SHOWN })}</p> : null}
          </>
        )}
      </Loaded>
      <p>
        <Link to={`/keys?account_id=${encodeURIComponent(id)}`}>{t('manageKeys')}</Link>
      </p>
    </>
  );
}

function AccountUsage({ id }: { id: string }) {
  const [from] = useState(() => Math.floor(Date.now() / 1000 / DAY) * DAY - 29 * DAY);
  const usage = useApi<List<UsageRow> & Priced>(withQuery('/v1/admin/usage', { account_id: id, group_by: 'day', from }));
  return (
    <Loaded state={usage}>
      {(u) => {
        const byDay = new Map(u.data.map((r) => [r.day, r]));
        const days = Array.from({ length: 30 }, (_, i) => new Date((from + i * DAY) * 1000).toISOString().slice(0, 10));
        const spend = u.data.reduce((n, r) => n + r.spend, 0);
        return (
          <div class="charts two">
            <BarChart
              title={t('images')}
              bars={days.map((d) => ({ label: day(d), value: byDay.get(d)?.images ?? 0 }))}
              format={count}
              total={count(u.data.reduce((n, r) => n + r.images, 0))}
            />
            <BarChart
              title={t('spend')}
              bars={days.map((d) => ({ label: day(d), value: byDay.get(d)?.spend ?? 0 }))}
              format={(v) => money(v, u.currency)}
              total={money(spend, u.currency)}
            />
          </div>
        );
      }}
    </Loaded>
  );
}

/** The ledger paged newest first; the CSV link is the whole export, oldest first (admin-api.md). */
function Ledger({ id, version }: { id: string; version: number }) {
  const [q] = useQueryState();
  const path = withQuery('/v1/admin/ledger', { account_id: id, after: q.after, limit: 50 });
  const ledger = useApi<Page<LedgerEntry> & Priced>(`${path}${version ? `&v=${version}` : ''}`);
  return (
    <>
      <div class="section-head">
        <h2>{t('ledger')}</h2>
        <a class="button" href={withQuery('/v1/admin/ledger', { account_id: id, format: 'csv' })} download={`ledger-${id}.csv`}>
          {t('downloadCsv')}
        </a>
      </div>
      <Loaded state={ledger}>
        {(l) => (
          <>
            <LedgerTable rows={l.data} currency={l.currency} />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
    </>
  );
}

function MoveMoney(props: { kind: 'credit' | 'debit'; account: AccountView; onClose: () => void; onDone: () => void }) {
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const submit = async () => {
    const micro = parseMoney(amount);
    if (!micro) throw fieldError('amount', t('badPositive'));
    if (!note.trim()) throw fieldError('note', t('reasonRequired'));
    const body: MoneyBody = { amount: micro, note };
    await sendJson<MoneyResult>('POST', `/v1/admin/accounts/${encodeURIComponent(props.account.id)}/${props.kind}`, body);
    props.onDone();
  };
  const title = t(props.kind === 'credit' ? 'creditTitle' : 'debitTitle', { name: props.account.name });
  return (
    <Dialog title={title} onClose={props.onClose}>
      <ActionForm action={submit} submit={props.kind === 'credit' ? t('addCredit') : t('debit')} danger={props.kind === 'debit'}>
        <TextField label={t('amountIn', { currency: props.account.currency })} inputMode="decimal" value={amount} onValue={setAmount} required autoFocus />
        <TextField label={t('reason')} hint={t('reasonHint')} value={note} onValue={setNote} required />
      </ActionForm>
    </Dialog>
  );
}
