/** One task: who sent it, its money, result links and webhook deliveries; cancel while it is open. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { sendJson } from '../api/client.js';
import type { TaskDetail } from '../api/types.js';
import { Link } from '../router/router.js';
import { useCurrency } from '../ui/currency.js';
import { Confirm } from '../ui/dialog.js';
import { count, money, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { Facts, Table } from '../ui/table.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';

const HOLD_STATES = { open: 'held', settled: 'charged', released: 'refunded' } as const;

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
      <PageHead title={`Task ${id}`} back={{ to: '/tasks', label: 'Tasks' }}>
        {open ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Cancel task
          </button>
        ) : null}
      </PageHead>
      {canceled ? <CancelOutcome t={canceled} currency={currency} /> : null}
      <Loaded state={{ data: t, error: task.error }}>{(d) => <TaskBody t={d} currency={currency} />}</Loaded>
      {confirming && t ? (
        <Confirm
          title="Cancel this task?"
          message={
            t.hold ? `The task stops and the ${money(t.hold.amount, currency)} held for it go back to the account.` : 'The task stops. No money is held for it.'
          }
          confirm="Cancel task"
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
      Task canceled.{' '}
      {refunded ? `${money(refunded, currency)} refunded to ${t.account?.name ?? t.account_id}.` : 'No money was held for it, so nothing was refunded.'}
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
          ['Status', <span class={`badge ${t.status}`}>{t.status}</span>],
          ['Model', t.model],
          ['Endpoint', <code>{t.endpoint}</code>],
          ['Progress', `${t.progress} %`],
          ['Created', time(t.created)],
          ['Started', time(t.started_at)],
          ['Finished', time(t.finished_at)],
          ...(member
            ? []
            : [
                ['Account', t.account ? <Link to={`/accounts/${encodeURIComponent(t.account.id)}`}>{t.account.name}</Link> : t.account_id] as [
                  string,
                  ComponentChildren,
                ],
              ]),
          ['Key', t.key ? `${t.key.name ?? 'unnamed'} (${t.key.prefix}…, ${t.key.status})` : null],
          ['Worker attempts', count(t.attempts)],
          ['Route', t.route ? <code>{t.route}</code> : null],
          ['Upstream task', t.upstream_task_id ? <code>{t.upstream_task_id}</code> : null],
          ['Lease until', t.lease_until ? time(t.lease_until) : null],
          ['Quoted', money(t.quoted, currency)],
          ['Held', hold ? `${money(hold.amount, currency)}, ${HOLD_STATES[hold.status]}` : null],
          ['Charged', hold?.status === 'settled' ? money(hold.charged, currency) : null],
          ['Billing transaction', hold ? <code>{hold.billing_transaction_id}</code> : null],
          ['Error', error ? `${error.message ?? ''}${error.code ? ` (${error.code})` : ''}` : null],
        ]}
      />
      <h2>Result</h2>
      {images.length ? (
        <ul class="links">
          {images.map((img, i) => (
            <li key={img.url ?? i}>
              {img.url ? (
                <a href={img.url} target="_blank" rel="noreferrer">
                  Image {i + 1}
                  {img.size ? ` (${img.size})` : ''}
                </a>
              ) : (
                `Image ${i + 1}`
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No images{t.status === 'succeeded' ? '.' : ' yet.'}</p>
      )}
      <h2>Webhook deliveries</h2>
      {t.webhook ? (
        <>
          <p>
            To <code>{t.webhook.url}</code> — {t.webhook.status}
            {t.webhook.next_attempt_at ? `, next attempt ${time(t.webhook.next_attempt_at)}` : ''}
          </p>
          <Table
            rows={t.webhook.attempts}
            rowKey={(a) => String(a.at)}
            caption="Webhook deliveries"
            empty="No delivery attempted yet."
            columns={[
              { title: 'When', nowrap: true, cell: (a) => time(a.at) },
              { title: 'HTTP status', numeric: true, cell: (a) => a.status ?? '—' },
              { title: 'Error', cell: (a) => a.error ?? '' },
            ]}
          />
        </>
      ) : (
        <p class="muted">This task has no callback URL.</p>
      )}
    </>
  );
}
