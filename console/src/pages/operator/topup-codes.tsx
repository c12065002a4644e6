/**
 * Top-up codes: generate a batch (the codes shown once, with "Download CSV" made from that one answer: asking
 * again would make another batch), list codes by batch and state without their text, void one, or void a
 * batch's unused codes. The list's CSV export is a plain link: it never holds a code.
 */
import { useState } from 'preact/hooks';
import { fieldError, sendJson, withQuery } from '../../api/client.js';
import type { CreateTopupBatchBody, Page, TopupBatchView, TopupBatchVoidView, TopupCodeStateName, TopupCodeView } from '../../api/types.js';
import { Link, useQueryState } from '../../router/router.js';
import { CopyButton } from '../../ui/copy.js';
import { useCurrency } from '../../ui/currency.js';
import { toCsv, saveCsv } from '../../ui/csv.js';
import { Confirm, Dialog } from '../../ui/dialog.js';
import { Filters } from '../../ui/filters.js';
import { ActionForm, TextField } from '../../ui/form.js';
import { localToUnix, money, parseMoney, time } from '../../ui/format.js';
import { PageHead } from '../../ui/layout.js';
import { Pager } from '../../ui/pager.js';
import { Loaded } from '../../ui/status.js';
import { Table } from '../../ui/table.js';
import { useApi } from '../../ui/use-api.js';
import { t } from './messages.js';

const CODES = '/v1/admin/topup-codes';

function stateNames(): Array<[TopupCodeStateName, string]> {
  return [
    ['unused', t('codeUnused')],
    ['redeemed', t('codeRedeemed')],
    ['voided', t('codeVoided')],
    ['expired', t('codeExpired')],
  ];
}

type DialogState =
  | { kind: 'generate' }
  | { kind: 'made'; batch: TopupBatchView }
  | { kind: 'void'; code: TopupCodeView }
  | { kind: 'void-batch'; batch: string }
  | null;

export function TopupCodesPage() {
  const [q] = useQueryState();
  const currency = useCurrency();
  const list = useApi<Page<TopupCodeView>>(withQuery(CODES, { batch_id: q.batch_id, state: q.state, after: q.after, limit: 50 }));
  const [dialog, setDialog] = useState<DialogState>(null);
  const [voided, setVoided] = useState<number | null>(null);
  const close = () => setDialog(null);
  const states = stateNames();
  const stateName = (s: TopupCodeStateName) => states.find(([v]) => v === s)?.[1] ?? s;
  return (
    <>
      <PageHead title={t('codesTitle')}>
        <a class="button" href={withQuery(CODES, { batch_id: q.batch_id, state: q.state, format: 'csv' })} download="topup-codes.csv">
          {t('exportCsv')}
        </a>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'generate' })}>
          {t('generate')}
        </button>
      </PageHead>
      <Filters
        fields={[
          { name: 'batch_id', label: t('batch'), placeholder: 'tpb_…' },
          { name: 'state', label: t('state'), options: states },
        ]}
      />
      {q.batch_id ? (
        <p>
          <button type="button" class="danger" onClick={() => setDialog({ kind: 'void-batch', batch: q.batch_id! })}>
            {t('voidBatch')}
          </button>
        </p>
      ) : null}
      {voided !== null ? (
        <p class="note ok" role="status">
          {t('voidedBatch', { n: voided })}
        </p>
      ) : null}
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(c) => c.id}
              caption={t('codesTitle')}
              busy={list.loading}
              empty={t('noCodes')}
              columns={[
                { title: t('created'), nowrap: true, cell: (c) => time(c.created) },
                { title: t('code'), nowrap: true, cell: (c) => <code>{c.prefix}…</code> },
                {
                  title: t('batch'),
                  cell: (c) => (
                    <Link to={withQuery('/topup-codes', { batch_id: c.batch_id })}>
                      <code>{c.batch_id}</code>
                    </Link>
                  ),
                },
                { title: t('amount', { currency }), numeric: true, cell: (c) => (currency ? money(c.amount, currency) : c.amount) },
                { title: t('state'), cell: (c) => <span class={`badge ${c.state === 'unused' ? 'active' : c.state}`}>{stateName(c.state)}</span> },
                { title: t('expires'), nowrap: true, cell: (c) => time(c.expires_at) },
                { title: t('note'), cell: (c) => c.note ?? '' },
                {
                  title: t('redeemed'),
                  cell: (c) =>
                    c.redeemed_at ? (
                      <>
                        {time(c.redeemed_at)}
                        {c.redeemed_account_id ? (
                          <div class="small">
                            <Link to={`/accounts/${encodeURIComponent(c.redeemed_account_id)}`}>{c.redeemed_account_id}</Link>
                          </div>
                        ) : null}
                      </>
                    ) : (
                      '—'
                    ),
                },
                {
                  title: t('actions'),
                  cell: (c) =>
                    c.state === 'unused' ? (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => setDialog({ kind: 'void', code: c })}
                        aria-label={t('voidLabel', { prefix: c.prefix })}
                      >
                        {t('void')}
                      </button>
                    ) : null,
                },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
      {dialog?.kind === 'generate' ? (
        <Generate
          currency={currency}
          onClose={close}
          onMade={(batch) => {
            setDialog({ kind: 'made', batch });
            list.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'made' ? <ShowCodes batch={dialog.batch} currency={currency} onClose={close} /> : null}
      {dialog?.kind === 'void' ? (
        <Confirm
          title={t('voidTitle')}
          message={t('voidMessage', { prefix: dialog.code.prefix })}
          confirm={t('void')}
          onClose={close}
          onConfirm={async () => {
            await sendJson('POST', `${CODES}/${encodeURIComponent(dialog.code.id)}/void`);
            list.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'void-batch' ? (
        <Confirm
          title={t('voidBatchTitle')}
          message={t('voidBatchMessage', { batch: dialog.batch })}
          confirm={t('voidBatch')}
          onClose={close}
          onConfirm={async () => {
            const r = await sendJson<TopupBatchVoidView>('POST', `${CODES}/void`, { batch_id: dialog.batch });
            setVoided(r.voided);
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}

function Generate(props: { currency: string; onClose: () => void; onMade: (b: TopupBatchView) => void }) {
  const [amount, setAmount] = useState('');
  const [count, setCount] = useState('10');
  const [expires, setExpires] = useState('');
  const [note, setNote] = useState('');
  const generate = async () => {
    const micro = parseMoney(amount);
    if (micro === null || micro <= 0) throw fieldError('amount', t('badAmount'));
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw fieldError('count', t('badCount'));
    const at = localToUnix(expires);
    const body: CreateTopupBatchBody = { amount: micro, count: n, ...(at ? { expires_at: Number(at) } : {}), ...(note.trim() ? { note: note.trim() } : {}) };
    props.onMade(await sendJson<TopupBatchView>('POST', CODES, body));
  };
  return (
    <Dialog title={t('generate')} onClose={props.onClose}>
      <ActionForm action={generate} submit={t('generate')}>
        <div class="grid">
          <TextField label={t('amount', { currency: props.currency })} inputMode="decimal" value={amount} onValue={setAmount} required />
          <TextField label={t('count')} inputMode="numeric" hint={t('countHint')} value={count} onValue={setCount} required />
          <TextField label={t('codeExpires')} type="datetime-local" hint={t('codeExpiresHint')} value={expires} onValue={setExpires} />
          <TextField label={t('note')} hint={t('noteHint')} value={note} onValue={setNote} />
        </div>
      </ActionForm>
    </Dialog>
  );
}

const BATCH_COLUMNS = ['id', 'code', 'batch_id', 'amount', 'expires_at', 'note'] as const;

/** The batch's codes, this once: copy them, or save them as the CSV the gateway's own `?format=csv` writes. */
function ShowCodes(props: { batch: TopupBatchView; currency: string; onClose: () => void }) {
  const b = props.batch;
  const text = b.codes.map((c) => c.code).join('\n');
  const csv = () =>
    toCsv(
      BATCH_COLUMNS,
      b.codes.map((c) => ({ id: c.id, code: c.code, batch_id: b.batch_id, amount: b.amount, expires_at: b.expires_at, note: b.note })),
    );
  return (
    <Dialog title={t('batchMade')} onClose={props.onClose}>
      <p class="note warn-box">{t('batchOnce')}</p>
      <p>{t('batchSummary', { count: b.count, amount: props.currency ? money(b.amount, props.currency) : b.amount, batch: b.batch_id })}</p>
      <div class="secret">
        <label for="batch-codes">{t('codesLabel')}</label>
        <textarea id="batch-codes" class="codes" readOnly rows={Math.min(10, b.codes.length)} value={text} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div class="actions">
        <CopyButton text={text} label={t('copyCodes')} />
        <button type="button" onClick={() => saveCsv(csv(), `topup-codes-${b.batch_id}.csv`)}>
          {t('downloadCsv')}
        </button>
        <button type="button" class="primary" onClick={props.onClose}>
          {t('done')}
        </button>
      </div>
    </Dialog>
  );
}
