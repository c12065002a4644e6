/** `imagegate accounts …`: accounts and their money. */
import type { Command } from 'commander';
import type { AccountView } from '../server/account-view.js';
import { money } from './arguments.js';
import { everyPage } from './client.js';
import { type Cli, moneyText, timeText, withCli } from './context.js';
import type { Column } from './table.js';

const columns = (currency: string): Column<AccountView>[] => [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name, shrink: true },
  { header: 'balance', value: (a) => moneyText(a.balance, currency), align: 'right' },
  { header: 'held', value: (a) => moneyText(a.held, currency), align: 'right' },
  { header: 'open_holds', value: (a) => String(a.open_holds), align: 'right' },
  { header: 'created', value: (a) => timeText(a.created) },
];

export function printAccount(cli: Cli, a: AccountView): void {
  cli.printFields([
    ['id', a.id],
    ['name', a.name],
    ['balance', moneyText(a.balance, a.currency)],
    ['held', `${moneyText(a.held, a.currency)} by ${a.open_holds} request(s) in flight`],
    ['created', timeText(a.created)],
  ]);
}

export function registerAccountsCommands(program: Command): void {
  const accounts = program.command('accounts').description('manage accounts and their balance (amounts in currency units)');
  accounts
    .command('create <name>')
    .description('create an account')
    .option('--credit <amount>', 'initial credit, in currency units (e.g. 25 or 0.5)', money)
    .action(
      withCli(async (cli, name: string, o: { credit?: number }) => {
        const a = (await cli.client().post('/v1/admin/accounts', { name, credit: o.credit })) as AccountView;
        if (cli.json) return cli.printJson(a);
        printAccount(cli, a);
      }),
    );
  accounts
    .command('list')
    .description('every account, newest first')
    .option('--search <text>', 'only accounts whose name or id contains this text')
    .action(
      withCli(async (cli, o: { search?: string }) => {
        const q = new URLSearchParams();
        if (o.search) q.set('q', o.search);
        const data = (await everyPage(cli.client(), '/v1/admin/accounts', q)) as AccountView[];
        if (cli.json) return cli.printJson({ object: 'list', data });
        cli.printTable(data, columns(data[0]?.currency ?? ''));
      }),
    );
  accounts
    .command('show <id>')
    .description("an account's balance and the money held by requests in flight")
    .action(
      withCli(async (cli, id: string) => {
        const a = (await cli.client().get(`/v1/admin/accounts/${encodeURIComponent(id)}`)) as AccountView;
        if (cli.json) return cli.printJson(a);
        printAccount(cli, a);
      }),
    );
  for (const kind of ['credit', 'debit'] as const) {
    accounts
      .command(kind)
      .description(`${kind} an account`)
      .argument('<id>', 'the account')
      .argument('<amount>', 'in currency units (e.g. 25 or 0.5)', money)
      .requiredOption('--note <text>', 'the reason, kept in the ledger and the audit log')
      .action(
        withCli(async (cli, id: string, amount: number, o: { note: string }) => {
          const r = (await cli.client().post(`/v1/admin/accounts/${encodeURIComponent(id)}/${kind}`, { amount, note: o.note })) as {
            billing_transaction_id: string;
            balance: number;
            currency: string;
          };
          if (cli.json) return cli.printJson(r);
          cli.printFields([
            ['account', id],
            ['balance', moneyText(r.balance, r.currency)],
            ['transaction', r.billing_transaction_id],
          ]);
        }),
      );
  }
}
