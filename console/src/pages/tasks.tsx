/** Tasks across accounts, by status and model, newest first. */
import { withQuery } from '../api/client.js';
import type { Page, TaskView } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { Filters } from '../ui/filters.js';
import { percent, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { termLabel } from '../ui/messages.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';
import { t } from './tasks.messages.js';

const TASK_STATUSES: Array<TaskView['status']> = ['pending', 'running', 'succeeded', 'failed', 'canceled'];

export function TasksPage() {
  const [q] = useQueryState();
  const scope = useScope();
  const list = useApi<Page<TaskView>>(
    withQuery(`${scope.api}/tasks`, { status: q.status, model: q.model, account_id: scope.member ? undefined : q.account_id, after: q.after, limit: 50 }),
  );
  return (
    <>
      <PageHead title={t('title')} />
      <Filters
        fields={[
          { name: 'status', label: t('status'), options: TASK_STATUSES.map((s) => [s, t(s)]) },
          { name: 'model', label: t('model') },
          ...(scope.member ? [] : [{ name: 'account_id', label: t('accountId') }]),
        ]}
      />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(task) => task.id}
              caption={t('title')}
              busy={list.loading}
              empty={t('noMatch')}
              columns={[
                { title: t('created'), nowrap: true, cell: (task) => time(task.created) },
                { title: t('task'), cell: (task) => <Link to={`/tasks/${encodeURIComponent(task.id)}`}>{task.id}</Link> },
                { title: t('model'), cell: (task) => task.model },
                { title: t('status'), cell: (task) => <span class={`badge ${task.status}`}>{termLabel(task.status)}</span> },
                { title: t('progress'), numeric: true, cell: (task) => (task.progress === null ? '—' : percent(task.progress / 100)) },
                ...(scope.member
                  ? []
                  : [
                      {
                        title: t('account'),
                        cell: (task: TaskView) =>
                          task.account_id ? <Link to={`/accounts/${encodeURIComponent(task.account_id)}`}>{task.account_id}</Link> : '—',
                      },
                    ]),
                { title: t('finished'), nowrap: true, cell: (task) => time(task.finished_at) },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
    </>
  );
}
