/** `imagegate ledger`: the ledger export, oldest first. */
import type { Command } from 'commander';
import type { LedgerEntryView } from '../server/records/ledger.js';
import { date } from './arguments.js';
import { moneyText, text, timeText, withCli } from './context.js';
import { bytesText, progressLine } from './progress.js';
import type { Column } from './table.js';

const columns = (currency: string): Column<LedgerEntryView>[] => [
  { header: 'created_at', value: (e) => timeText(e.created_at) },
  { header: 'account_id', value: (e) => e.account_id },
  { header: 'kind', value: (e) => e.kind },
  { header: 'amount', value: (e) => moneyText(e.amount, currency), align: 'right' },
  { header: 'balance_after', value: (e) => moneyText(e.balance_after, currency), align: 'right' },
  { header: 'note', value: (e) => text(e.note), shrink: true },
];

export function registerLedgerCommand(program: Command): void {
  program
    .command('ledger')
    .description(
      'export ledger entries (credits, debits, charges, refunds), oldest first: a table with amounts in currency units, ' +
        "the API's JSON with --json (amounts in micro-units), or CSV with --csv",
    )
    .option('--account <id>', 'only this account')
    .option('--transaction <id>', 'only the entries of this billing transaction')
    .option('--from <date>', 'entries at or after this time (ISO date or time, or unix seconds)', date)
    .option('--to <date>', 'entries before this time (ISO date or time, or unix seconds)', date)
    .option('--csv', 'CSV (micro-units), as the console downloads it')
    .addHelpText('after', '\nOn a terminal, a progress line on stderr counts what has arrived; stdout carries only the export.')
    .action(
      withCli(async (cli, o: { account?: string; transaction?: string; from?: string; to?: string; csv?: boolean }) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries({ account_id: o.account, billing_transaction_id: o.transaction, from: o.from, to: o.to })) if (v) q.set(k, v);
        if (o.csv) q.set('format', 'csv');
        const progress = progressLine('ledger export');
        const res = await cli.client().download(`/v1/admin/ledger?${q}`, (n) => progress.update(`${bytesText(n)} received`));
        progress.done();
        if (typeof res === 'string') return void process.stdout.write(res);
        const exported = res as { currency: string; data: LedgerEntryView[] };
        if (cli.json) return cli.printJson(exported);
        cli.printTable(exported.data, columns(exported.currency));
      }),
    );
}
