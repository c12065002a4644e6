/** One task: its state, result links, upstream attempts and webhook deliveries; cancel while it is open. */
import { useState } from 'preact/hooks';
import { ApiError, sendJson } from '../api/client.js';
import type { Page, TaskDetail, TaskView, WebhookView } from '../api/types.js';
import { Link } from '../router/router.js';
import { Confirm } from '../ui/dialog.js';
import { money, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded as Show } from '../ui/status.js';
import { Facts, Table } from '../ui/table.js';
import { type Loaded, useApi } from '../ui/use-api.js';

/**
 * A gateway without `GET /v1/admin/tasks/:id` (older than the console) still has the task list: the task is
 * looked up among the newest there, without its attempts.
 */
function useTask(id: string): Loaded<TaskDetail> & { fromList: boolean } {
  const detail = useApi<TaskDetail>(`/v1/admin/tasks/${encodeURIComponent(id)}`);
  const missing = detail.error !== undefined && (detail.error.status === 404 || detail.error.status === 401) && detail.error.param !== 'id';
  const list = useApi<Page<TaskView>>(missing ? '/v1/admin/tasks?limit=200' : null);
  if (!missing) return { ...detail, fromList: false };
  const found = list.data?.data.find((t) => t.id === id);
  const notFound = list.data && !found ? new ApiError(404, `No task "${id}" among the newest 200 tasks.`, 'not_found', 'id') : undefined;
  return { data: found, error: list.error ?? notFound, loading: list.loading, reload: list.reload, fromList: true };
}

export function TaskDetailPage({ id }: { id: string }) {
  const task = useTask(id);
  const [confirming, setConfirming] = useState(false);
  const open = task.data?.status === 'pending' || task.data?.status === 'running';
  return (
    <>
      <PageHead title={`Task ${id}`} back={{ to: '/tasks', label: 'Tasks' }}>
        {open ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Cancel task
          </button>
        ) : null}
      </PageHead>
      <Show state={task}>{(t) => <TaskBody t={t} fromList={task.fromList} />}</Show>
      {confirming ? (
        <Confirm
          title="Cancel this task?"
          message="The task stops and its held funds go back to the account."
          confirm="Cancel task"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            await sendJson<TaskView>('POST', `/v1/admin/tasks/${encodeURIComponent(id)}/cancel`);
            task.reload();
          }}
        />
      ) : null}
    </>
  );
}

function TaskBody({ t, fromList }: { t: TaskDetail; fromList: boolean }) {
  const billing = 'imagegate' in t ? t.imagegate?.billing : undefined;
  const webhook = 'webhook' in t ? (t.webhook as WebhookView) : undefined;
  const images = ('data' in t ? t.data : undefined) ?? [];
  const error = 'error' in t ? (t.error as { message?: string; code?: string } | undefined) : undefined;
  return (
    <>
      <Facts
        items={[
          ['Status', <span class={`badge ${t.status}`}>{t.status}</span>],
          ['Model', t.model],
          ['Progress', `${t.progress} %`],
          ['Created', time(t.created)],
          ['Started', time(t.started_at)],
          ['Finished', time(t.finished_at)],
          ['Account', t.account_id ? <Link to={`/accounts/${encodeURIComponent(t.account_id)}`}>{t.account_id}</Link> : null],
          ['Key', t.key_id ? <code>{t.key_id}</code> : null],
          ['Amount', billing ? money(billing.amount, billing.currency) : null],
          ['Billing transaction', billing ? <code>{billing.billing_transaction_id}</code> : null],
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
      <h2>Upstream attempts</h2>
      {t.attempts?.length ? (
        <pre class="json">{JSON.stringify(t.attempts, null, 2)}</pre>
      ) : (
        <p class="muted">{fromList ? 'This gateway does not report task attempts yet.' : 'No attempts recorded for this task.'}</p>
      )}
      <h2>Webhook deliveries</h2>
      {webhook ? (
        <>
          <p>
            To <code>{webhook.url}</code>
            {webhook.status ? ` — ${webhook.status}` : ''}
          </p>
          <Table
            rows={webhook.attempts}
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
