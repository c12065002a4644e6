/** Tasks across accounts, by status and model, newest first. */
import { withQuery } from '../api/client.js';
import type { Page, TaskView } from '../api/types.js';
import { Link, useQueryState } from '../router/router.js';
import { Filters } from '../ui/filters.js';
import { time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useScope } from '../ui/scope.js';
import { useApi } from '../ui/use-api.js';

export const TASK_STATUSES: Array<[TaskView['status'], string]> = [
  ['pending', 'Pending'],
  ['running', 'Running'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['canceled', 'Canceled'],
];

export function TasksPage() {
  const [q] = useQueryState();
  const scope = useScope();
  const list = useApi<Page<TaskView>>(
    withQuery(`${scope.api}/tasks`, { status: q.status, model: q.model, account_id: scope.member ? undefined : q.account_id, after: q.after, limit: 50 }),
  );
  return (
    <>
      <PageHead title="Tasks" />
      <Filters
        fields={[
          { name: 'status', label: 'Status', options: TASK_STATUSES },
          { name: 'model', label: 'Model' },
          ...(scope.member ? [] : [{ name: 'account_id', label: 'Account id' }]),
        ]}
      />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(t) => t.id}
              caption="Tasks"
              busy={list.loading}
              empty="No task matches these filters."
              columns={[
                { title: 'Created', nowrap: true, cell: (t) => time(t.created) },
                { title: 'Task', cell: (t) => <Link to={`/tasks/${encodeURIComponent(t.id)}`}>{t.id}</Link> },
                { title: 'Model', cell: (t) => t.model },
                { title: 'Status', cell: (t) => <span class={`badge ${t.status}`}>{t.status}</span> },
                { title: 'Progress', numeric: true, cell: (t) => `${t.progress} %` },
                ...(scope.member
                  ? []
                  : [
                      {
                        title: 'Account',
                        cell: (t: TaskView) => (t.account_id ? <Link to={`/accounts/${encodeURIComponent(t.account_id)}`}>{t.account_id}</Link> : '—'),
                      },
                    ]),
                { title: 'Finished', nowrap: true, cell: (t) => time(t.finished_at) },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
    </>
  );
}
