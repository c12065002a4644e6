/** `imagegate users …`: the people who sign in to the console. */
import type { Command } from 'commander';
import type { UserView } from '../server/console-api.js';
import { type Cli, text, timeText, withCli } from './context.js';
import { readPassword } from './password-input.js';
import type { Column } from './table.js';

const columns: Column<UserView>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'email', value: (u) => u.email, shrink: true },
  { header: 'role', value: (u) => u.role },
  { header: 'account_id', value: (u) => text(u.account_id) },
  { header: 'disabled', value: (u) => (u.disabled ? 'yes' : 'no') },
  { header: 'last_sign_in_at', value: (u) => timeText(u.last_sign_in_at) },
];

function printUser(cli: Cli, u: UserView): void {
  if (cli.json) {
    cli.printJson(u);
    return;
  }
  cli.printFields([
    ['id', u.id],
    ['email', u.email],
    ['role', u.role],
    ['account_id', u.account_id ?? undefined],
    ['disabled', u.disabled ? 'yes' : 'no'],
    ['created', timeText(u.created)],
    ['last_sign_in_at', timeText(u.last_sign_in_at)],
  ]);
}

const passwordStdin = ['--password-stdin', 'read the password from stdin (otherwise it is asked for, without echo)'] as const;

export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('manage the people who sign in to the console');
  users
    .command('create')
    .description('create a console user: an operator (sees and manages everything) or a member of one account')
    .requiredOption('--email <email>', 'the email they sign in with')
    .option('--operator', 'an operator of the whole gateway')
    .option('--account <id>', 'a member of this account')
    .option(...passwordStdin)
    .action(
      withCli(async (cli, o: { email: string; operator?: boolean; account?: string; passwordStdin?: boolean }) => {
        if (Boolean(o.operator) === Boolean(o.account)) throw new Error('users create: pass either --operator or --account <id>');
        const password = await readPassword({ fromStdin: o.passwordStdin === true });
        const body = { email: o.email, password, role: o.operator ? 'operator' : 'member', ...(o.account ? { account_id: o.account } : {}) };
        printUser(cli, (await cli.client().post('/v1/admin/users', body)) as UserView);
      }),
    );
  users
    .command('list')
    .description('every console user')
    .action(
      withCli(async (cli) => {
        const r = (await cli.client().get('/v1/admin/users')) as { data: UserView[] };
        if (cli.json) return cli.printJson(r);
        cli.printTable(r.data, columns);
      }),
    );
  for (const [name, disabled, description] of [
    ['disable', true, 'disable a console user and end their sessions'],
    ['enable', false, 'let a disabled console user sign in again'],
  ] as const) {
    users
      .command(`${name} <id>`)
      .description(description)
      .action(
        withCli(async (cli, id: string) => printUser(cli, (await cli.client().patch(`/v1/admin/users/${encodeURIComponent(id)}`, { disabled })) as UserView)),
      );
  }
  users
    .command('password <id>')
    .description("set a console user's password (ends their sessions)")
    .option(...passwordStdin)
    .action(
      withCli(async (cli, id: string, o: { passwordStdin?: boolean }) => {
        const password = await readPassword({ fromStdin: o.passwordStdin === true });
        printUser(cli, (await cli.client().patch(`/v1/admin/users/${encodeURIComponent(id)}`, { password })) as UserView);
      }),
    );
}
