/** One task: who sent it, its money, result links and webhook deliveries; cancel while it is open. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { sendJson } from '../api/client.js';
import type { TaskDetail } from '../api/types.js';
import { Link } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { Confirm } from '../ui/dialog.js';
import { count, money, percent, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { termLabel } from '../ui/messages.js';
import { Loaded } from '../ui/status.js';
import { Facts, Table } from '../ui/table.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';
import { t as m } from './tasks.messages.js';

const HOLD_STATES = { open: 'holdOpen', settled: 'holdSettled', released: 'holdReleased' } as const;

export function TaskDetailPage({ id }: { id: string }) {
  const path = `${useScope().api}/tasks/${encodeURIComponent(id)}`;
  const task = useApi<TaskDetail>(path);
  const currency = useCurrency();
  const [confirming, setConfirming] = useState(false);
  // The cancel answers with the task as it now stands: shown until the next reload.
  const [canceled, setCanceled] = useState<TaskDetail | null>(null);
  const t = canceled ?? task.data;
  const open = t?.status === 'pending' || t?.status === 'running';
  return (
    <>
      <PageHead title={m('taskOf', { id })} back={{ to: '/tasks', label: m('title') }}>
        {open ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            {m('cancelTask')}
          </button>
        ) : null}
      </PageHead>
      {canceled ? <CancelOutcome t={canceled} currency={currency} /> : null}
      <Loaded state={{ data: t, error: task.error }}>{(d) => <TaskBody t={d} currency={currency} />}</Loaded>
      {confirming && t ? (
        <Confirm
          title={m('cancelTitle')}
          message={t.hold ? m('cancelHeld', { amount: money(t.hold.amount, currency) }) : m('cancelNothingHeld')}
          confirm={m('cancelTask')}
          onClose={() => setConfirming(false)}
          onConfirm={async () => setCanceled(await sendJson<TaskDetail>('POST', `${path}/cancel`))}
        />
      ) : null}
    </>
  );
}

function CancelOutcome({ t, currency }: { t: TaskDetail; currency: string }) {
  const refunded = t.hold?.status === 'released' ? t.hold.amount : 0;
  return (
    <p class="note ok" role="status">
      {m('canceledNote')}{' '}
      {refunded ? m('refundedTo', { amount: money(refunded, currency), account: t.account?.name ?? t.account_id ?? '' }) : m('nothingRefunded')}
    </p>
  );
}

function TaskBody({ t, currency }: { t: TaskDetail; currency: string }) {
  const images = ('data' in t ? t.data : undefined) ?? [];
  const error = 'error' in t ? (t.error as { message?: string; code?: string } | undefined) : undefined;
  const hold = t.hold;
  const member = useScope().member;
  return (
    <>
      <Facts
        items={[
          [m('status'), <span class={`badge ${t.status}`}>{termLabel(t.status)}</span>],
          [m('model'), t.model],
          [m('endpoint'), <code>{t.endpoint}</code>],
          [m('progress'), t.progress === null ? null : percent(t.progress / 100)],
          [m('created'), time(t.created)],
          [m('started'), time(t.started_at)],
          [m('finished'), time(t.finished_at)],
          ...(member
            ? []
            : [
                [m('account'), t.account ? <Link to={`/accounts/${encodeURIComponent(t.account.id)}`}>{t.account.name}</Link> : t.account_id] as [
                  string,
                  ComponentChildren,
                ],
              ]),
          [
            m('key'),
            t.key ? (
              <>
                {m('keyText', { name: t.key.name ?? m('unnamed'), status: termLabel(t.key.status) })} <code>{t.key.prefix}…</code>
              </>
            ) : null,
          ],
          [m('attempts'), count(t.attempts)],
          [m('route'), t.route ? <code>{t.route}</code> : null],
          [m('upstreamTask'), t.upstream_task_id ? <code>{t.upstream_task_id}</code> : null],
          [m('leaseUntil'), t.lease_until ? time(t.lease_until) : null],
          [m('quoted'), money(t.quoted, currency)],
          [m('held'), hold ? m('heldText', { amount: money(hold.amount, currency), state: m(HOLD_STATES[hold.status]) }) : null],
          [m('charged'), hold?.status === 'settled' ? money(hold.charged, currency) : null],
          [m('billing'), hold ? <code>{hold.billing_transaction_id}</code> : null],
          [m('error'), error ? `${error.message ?? ''}${error.code ? ` (${error.code})` : ''}` : null],
        ]}
      />
      <h2>{m('result')}</h2>
      {images.length ? (
        <ul class="links">
          {images.map((img, i) => (
            <li key={img.url ?? i}>
              {img.url ? (
                <a href={img.url} target="_blank" rel="noreferrer">
                  {m('image', { n: i + 1 })}
                  {img.size ? ` (${img.size})` : ''}
                </a>
              ) : (
                m('image', { n: i + 1 })
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t.status === 'succeeded' ? m('noImages') : m('noImagesYet')}</p>
      )}
      <h2>{m('webhooks')}</h2>
      {t.webhook ? (
        <>
          <p>
            {m('webhookTo')} <code>{t.webhook.url}</code> — {termLabel(t.webhook.status)}
            {t.webhook.next_attempt_at ? m('nextAttempt', { when: time(t.webhook.next_attempt_at) }) : ''}
          </p>
          <Table
            rows={t.webhook.attempts}
            rowKey={(a) => String(a.at)}
            caption={m('webhooks')}
            empty={m('noDelivery')}
            columns={[
              { title: m('when'), nowrap: true, cell: (a) => time(a.at) },
              { title: m('httpStatus'), numeric: true, cell: (a) => a.status ?? '—' },
              { title: m('error'), cell: (a) => a.error ?? '' },
            ]}
          />
        </>
      ) : (
        <p class="muted">{m('noCallback')}</p>
      )}
    </>
  );
}
