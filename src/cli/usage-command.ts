/** `imagegate usage`: requests, images and spend grouped by day, model, key or account. */
import type { Command } from 'commander';
import type { UsageRow } from '../billing/usage.js';
import { date, list, oneOf } from './arguments.js';
import { moneyText, text, withCli } from './context.js';
import type { Column } from './table.js';

const GROUPS = ['day', 'model', 'key', 'account'] as const;
type Group = (typeof GROUPS)[number];

const groupColumn: Record<Group, Column<UsageRow>> = {
  day: { header: 'day', value: (r) => text(r.day) },
  model: { header: 'model', value: (r) => text(r.model), shrink: true },
  key: { header: 'key_id', value: (r) => text(r.key_id) },
  account: { header: 'account_id', value: (r) => text(r.account_id) },
};

const groups = (v: string): Group[] => list(v).map(oneOf(GROUPS));

export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description('requests, images and spend, grouped by day, model, key and/or account (days in UTC)')
    .option('--account <id>', 'only this account')
    .option('--key <id>', 'only this key')
    .option('--model <id>', 'only this model')
    .option('--from <date>', 'from this time (ISO date or time, or unix seconds)', date)
    .option('--to <date>', 'before this time (ISO date or time, or unix seconds)', date)
    .option('--group-by <list>', `comma-separated: ${GROUPS.join(', ')}`, groups, ['day'] as Group[])
    .option('--csv', 'CSV (spend in micro-units, with the token counts)')
    .action(
      withCli(async (cli, o: { account?: string; key?: string; model?: string; from?: string; to?: string; groupBy: Group[]; csv?: boolean }) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries({ account_id: o.account, key_id: o.key, model: o.model, from: o.from, to: o.to })) if (v) q.set(k, v);
        q.set('group_by', o.groupBy.join(','));
        if (o.csv) q.set('format', 'csv');
        const res = await cli.client().get(`/v1/admin/usage?${q}`);
        if (typeof res === 'string') return void process.stdout.write(res);
        const report = res as { currency: string; data: UsageRow[] };
        if (cli.json) return cli.printJson(report);
        cli.printTable(report.data, [
          ...o.groupBy.map((g) => groupColumn[g]),
          { header: 'requests', value: (r) => String(r.requests), align: 'right' },
          { header: 'succeeded', value: (r) => String(r.succeeded), align: 'right' },
          { header: 'images', value: (r) => String(r.images), align: 'right' },
          { header: 'spend', value: (r) => moneyText(r.spend, report.currency), align: 'right' },
        ]);
      }),
    );
}
