/** `imagegate requests …`: search the request log. */
import type { Command } from 'commander';
import type { RequestView } from '../server/records/requests.js';
import { count, date, oneOf, since } from './arguments.js';
import { everyPage } from './client.js';
import { type Cli, moneyText, text, timeText, withCli } from './context.js';
import type { Column } from './table.js';

const TRAFFIC = ['client', 'admin', 'all'] as const;

const columns = (currency: string): Column<RequestView>[] => [
  { header: 'created_at', value: (r) => timeText(r.created_at) },
  { header: 'id', value: (r) => r.id },
  // The error code beside the status: a refusal reads as one word, `402 insufficient_balance`.
  { header: 'status', value: (r) => (r.error_code ? `${r.status} ${r.error_code}` : String(r.status)), shrink: true },
  { header: 'model', value: (r) => text(r.model), shrink: true },
  { header: 'amount', value: (r) => moneyText(r.amount, currency), align: 'right' },
  { header: 'latency_ms', value: (r) => text(r.latency_ms), align: 'right' },
];

interface ListOptions {
  key?: string;
  account?: string;
  model?: string;
  status?: string;
  errorCode?: string;
  since?: string;
  until?: string;
  traffic: (typeof TRAFFIC)[number];
  limit: number;
}

async function printRequest(cli: Cli, id: string): Promise<void> {
  const r = (await cli.client().get(`/v1/admin/requests/${encodeURIComponent(id)}`)) as RequestView & { request_shape: unknown };
  if (cli.json) return cli.printJson(r);
  const currency = r.amount === null ? '' : await cli.currency();
  cli.printFields([
    ['id', r.id],
    ['created_at', r.created_at],
    ['status', r.error_code ? `${r.status} ${r.error_code}` : String(r.status)],
    ['error_message', r.error_message ?? undefined],
    ['endpoint', r.endpoint],
    ['model', text(r.model)],
    ['account_id', text(r.account_id)],
    ['key_id', text(r.key_id)],
    ['route', text(r.route)],
    ['upstream_request_id', r.upstream_request_id ?? undefined],
    ['latency_ms', text(r.latency_ms)],
    ['images', text(r.images)],
    ['amount', moneyText(r.amount, currency)],
    ['billing_transaction_id', r.billing_transaction_id ?? undefined],
    ['request_shape', r.request_shape === null ? undefined : JSON.stringify(r.request_shape)],
  ]);
}

export function registerRequestsCommands(program: Command): void {
  const requests = program.command('requests').description('search the request log (newest first)');
  requests
    .command('list')
    .description("requests that match every filter given, newest first; by default clients' calls only")
    .option('--key <id>', 'only this key')
    .option('--account <id>', 'only this account')
    .option('--model <id>', 'only this model')
    .option('--status <code>', 'only this HTTP status, e.g. 402')
    .option('--error-code <code>', 'only this error code, e.g. insufficient_balance')
    .option('--since <when>', 'from this time: a duration back from now (15m, 2h, 7d), an ISO date or time, or unix seconds', (v) => since(v))
    .option('--until <when>', 'before this time (ISO date or time, or unix seconds)', date)
    .option('--traffic <who>', 'client (the image API), admin (admin API and console) or all', oneOf(TRAFFIC), 'client' as const)
    .option('--limit <n>', 'at most this many rows', count, 50)
    .action(
      withCli(async (cli, o: ListOptions) => {
        const q = new URLSearchParams();
        const filters = { key_id: o.key, account_id: o.account, model: o.model, status: o.status, error_code: o.errorCode, from: o.since, to: o.until };
        for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
        if (o.traffic !== 'all') q.set('traffic', o.traffic);
        const data = (await everyPage(cli.client(), '/v1/admin/requests', q, o.limit)) as RequestView[];
        if (cli.json) return cli.printJson({ object: 'list', data });
        cli.printTable(data, columns(data.some((r) => r.amount !== null) ? await cli.currency() : ''));
      }),
    );
  requests
    .command('show <id>')
    .description('one request: who sent it, the route that served it, its charge, and its stored shape (no keys or image data)')
    .action(withCli(async (cli, id: string) => printRequest(cli, id)));
}
