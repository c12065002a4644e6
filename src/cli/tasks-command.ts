/** `imagegate tasks …`: async image tasks of every account. */
import type { Command } from 'commander';
import type { TaskDetailView } from '../server/records/tasks.js';
import type { renderTask } from '../server/task-object.js';
import { count, oneOf } from './arguments.js';
import { everyPage } from './client.js';
import { type Cli, moneyText, text, timeText, withCli } from './context.js';
import type { Column } from './table.js';

const TASK_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'canceled'] as const;

type TaskListView = ReturnType<typeof renderTask> & { account_id: string; key_id: string | null };

const columns: Column<TaskListView>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'status', value: (t) => t.status },
  { header: 'model', value: (t) => t.model, shrink: true },
  { header: 'account_id', value: (t) => t.account_id },
  { header: 'created', value: (t) => timeText(t.created) },
];

async function printTask(cli: Cli, t: TaskDetailView): Promise<void> {
  if (cli.json) return cli.printJson(t);
  const currency = await cli.currency();
  const error = 'error' in t ? (t.error as { message?: string } | undefined)?.message : undefined;
  const urls = ('data' in t && t.data ? t.data : []).map((d) => d.url);
  cli.printFields([
    ['id', t.id],
    ['status', t.status === 'running' ? `running (${t.progress}%)` : t.status],
    ['model', t.model],
    ['account', t.account ? `${t.account.name} (${t.account.id})` : t.account_id],
    ['key', t.key ? `${t.key.name} (${t.key.id}, ${t.key.status})` : text(t.key_id)],
    ['endpoint', t.endpoint],
    ['route', text(t.route)],
    ['attempts', String(t.attempts)],
    ['quoted', moneyText(t.quoted, currency)],
    ['hold', t.hold ? `${moneyText(t.hold.amount, currency)} ${t.hold.status}, charged ${moneyText(t.hold.charged, currency)}` : undefined],
    ['created', timeText(t.created)],
    ['started_at', timeText(t.started_at)],
    ['finished_at', timeText(t.finished_at)],
    ['error', error],
    ...urls.map((u, i) => [`image ${i + 1}`, u] as const),
    ['webhook', t.webhook ? `${t.webhook.url} (${t.webhook.status})` : undefined],
  ]);
}

export function registerTasksCommands(program: Command): void {
  const tasks = program.command('tasks').description('async image tasks of every account');
  tasks
    .command('list')
    .description('tasks that match every filter given, newest first')
    .option('--status <status>', TASK_STATUSES.join(', '), oneOf(TASK_STATUSES))
    .option('--model <id>', 'only this model')
    .option('--account <id>', 'only this account')
    .option('--limit <n>', 'at most this many rows', count, 50)
    .action(
      withCli(async (cli, o: { status?: string; model?: string; account?: string; limit: number }) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries({ status: o.status, model: o.model, account_id: o.account })) if (v) q.set(k, v);
        const data = (await everyPage(cli.client(), '/v1/admin/tasks', q, o.limit)) as TaskListView[];
        if (cli.json) return cli.printJson({ object: 'list', data });
        cli.printTable(data, columns);
      }),
    );
  tasks
    .command('show <id>')
    .description('one task: who sent it, its money (quote, hold, charge), attempts, result links, webhook deliveries')
    .action(withCli(async (cli, id: string) => printTask(cli, (await cli.client().get(`/v1/admin/tasks/${encodeURIComponent(id)}`)) as TaskDetailView)));
  tasks
    .command('cancel <id>')
    .description("cancel a pending or running task and refund its hold (as the client's cancel; audited)")
    .action(
      withCli(async (cli, id: string) => printTask(cli, (await cli.client().post(`/v1/admin/tasks/${encodeURIComponent(id)}/cancel`, {})) as TaskDetailView)),
    );
}
