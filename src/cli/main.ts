#!/usr/bin/env node
/**
 * `imagegate serve` runs the gateway; `migrate`, `backup` and `restore` work on its database directly; every
 * other command is a thin client of the admin API of a running gateway (IMAGEGATE_URL, default
 * http://127.0.0.1:8787, and IMAGEGATE_ADMIN_KEY).
 */
import { Command, InvalidArgumentError } from 'commander';
import { registerBackupCommands } from './backup-command.js';
import { adminClient, everyPage, printResult } from './client.js';
import { registerMigrateCommand } from './migrate-command.js';
import { readPassword } from './password-input.js';
import { serve } from './serve.js';

const program = new Command();
program.name('imagegate').description('Self-hosted, OpenAI-compatible image API gateway').version('0.1.0');
program
  .option('--url <url>', 'gateway base URL for admin commands', process.env.IMAGEGATE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`)
  .option('--admin-key <key>', 'admin key for admin commands (default: IMAGEGATE_ADMIN_KEY)')
  .option('--json', 'print raw JSON');

program
  .command('serve')
  .description('run the gateway (configured by environment variables; see README)')
  .action(async () => {
    await serve();
  });

registerMigrateCommand(program);
registerBackupCommands(program);

const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(v);
};
/** Money on the command line: "12.5" in currency units → micro-units, exactly (no floats). */
export const money = (v: string) => {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(v);
  if (!m) throw new InvalidArgumentError('must be an amount like 10 or 12.345678');
  return Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
};
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const client = () => adminClient(program.opts());
const out = (data: unknown) => printResult(data, program.opts().json === true);

program
  .command('models')
  .description('list the models this gateway offers')
  .action(async () => out(await client().get('/v1/models')));

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key (the secret is printed once)')
  .option('--name <name>', 'a name to recognise the key by', 'default')
  .option('--account <id>', 'account the key bills to (default: the operator account)')
  .option('--models <ids>', 'comma-separated model allowlist', list)
  .option('--rpm <n>', 'requests per minute', int)
  .option('--ipm <n>', 'images per minute', int)
  .option('--concurrency <n>', 'max concurrent requests', int)
  .option('--daily-cap <amount>', 'spend cap per UTC day, in currency units', money)
  .option('--monthly-cap <amount>', 'spend cap per UTC month, in currency units', money)
  .option('--expires <iso>', 'expiry date/time (ISO 8601)')
  .option('--drop-unsupported', 'drop fields a model does not take instead of refusing the request')
  .option('--admin', 'create another admin key')
  .action(async (o) =>
    out(
      await client().post('/v1/admin/keys', {
        name: o.name,
        account_id: o.account,
        models: o.models,
        rpm: o.rpm,
        ipm: o.ipm,
        max_concurrency: o.concurrency,
        spend_cap_day: o.dailyCap,
        spend_cap_month: o.monthlyCap,
        expires_at: o.expires ? Math.floor(Date.parse(o.expires) / 1000) : undefined,
        drop_unsupported: o.dropUnsupported,
        admin: o.admin,
      }),
    ),
  );
keys
  .command('list')
  .option('--account <id>', 'only this account')
  .option('--admin', 'only admin keys, with the key that created each (created_by), to audit what was minted')
  .option('--status <status>', 'only active, revoked or expired keys')
  .option('--search <text>', 'only keys whose name or prefix contains this text')
  .action(async (o) => {
    const q = new URLSearchParams();
    if (o.account) q.set('account_id', o.account);
    if (o.admin) q.set('admin', 'true');
    if (o.status) q.set('status', o.status);
    if (o.search) q.set('q', o.search);
    out({ object: 'list', data: await everyPage(client(), '/v1/admin/keys', q) });
  });
keys
  .command('revoke <id>')
  .description('revoke a key (takes effect at once on this instance, within 1 s on others)')
  .action(async (id: string) => out(await client().post(`/v1/admin/keys/${encodeURIComponent(id)}/revoke`, {})));

const accounts = program.command('accounts').description('manage accounts and their balance');
accounts
  .command('create <name>')
  .option('--credit <amount>', 'initial credit, in currency units', money)
  .action(async (name: string, o) => out(await client().post('/v1/admin/accounts', { name, credit: o.credit })));
accounts
  .command('list')
  .description('every account, newest first')
  .option('--search <text>', 'only accounts whose name or id contains this text')
  .action(async (o) => {
    const q = new URLSearchParams();
    if (o.search) q.set('q', o.search);
    out({ object: 'list', data: await everyPage(client(), '/v1/admin/accounts', q) });
  });
accounts.command('show <id>').action(async (id: string) => out(await client().get(`/v1/admin/accounts/${encodeURIComponent(id)}`)));
for (const kind of ['credit', 'debit'] as const) {
  accounts
    .command(`${kind} <id> <amount>`)
    .description(`${kind} an account, amount in currency units (e.g. 25 or 0.5)`)
    .requiredOption('--note <text>', 'the reason, kept in the ledger and the audit log')
    .action(async (id: string, amount: string, o) =>
      out(await client().post(`/v1/admin/accounts/${encodeURIComponent(id)}/${kind}`, { amount: money(amount), note: o.note })),
    );
}

const users = program.command('users').description('manage the people who sign in to the console');
users
  .command('create')
  .description('create a console user: an operator (sees and manages everything) or a member of one account')
  .requiredOption('--email <email>', 'the email they sign in with')
  .option('--operator', 'an operator of the whole gateway')
  .option('--account <id>', 'a member of this account')
  .option('--password-stdin', 'read the password from stdin (otherwise it is asked for, without echo)')
  .action(async (o) => {
    if (Boolean(o.operator) === Boolean(o.account)) throw new Error('users create: pass either --operator or --account <id>');
    const password = await readPassword({ fromStdin: o.passwordStdin === true });
    out(
      await client().post('/v1/admin/users', {
        email: o.email,
        password,
        role: o.operator ? 'operator' : 'member',
        ...(o.account ? { account_id: o.account } : {}),
      }),
    );
  });
users.command('list').action(async () => out(await client().get('/v1/admin/users')));
users
  .command('disable <id>')
  .description('disable a console user and end their sessions')
  .action(async (id: string) => out(await client().patch(`/v1/admin/users/${encodeURIComponent(id)}`, { disabled: true })));
users
  .command('password <id>')
  .description("set a console user's password (ends their sessions)")
  .option('--password-stdin', 'read the password from stdin (otherwise it is asked for, without echo)')
  .action(async (id: string, o) => {
    const password = await readPassword({ fromStdin: o.passwordStdin === true });
    out(await client().patch(`/v1/admin/users/${encodeURIComponent(id)}`, { password }));
  });

program
  .command('usage')
  .description('usage by day/model/key/account')
  .option('--account <id>')
  .option('--key <id>')
  .option('--model <id>')
  .option('--from <date>')
  .option('--to <date>')
  .option('--group-by <list>', 'day,model,key,account', 'day')
  .action(async (o) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ account_id: o.account, key_id: o.key, model: o.model, from: o.from, to: o.to, group_by: o.groupBy }))
      if (v) q.set(k, v);
    out(await client().get(`/v1/admin/usage?${q}`));
  });

program
  .command('ledger')
  .description('export the ledger')
  .option('--account <id>')
  .option('--csv', 'CSV instead of JSON')
  .action(async (o) => {
    const q = new URLSearchParams();
    if (o.account) q.set('account_id', o.account);
    if (o.csv) q.set('format', 'csv');
    const res = await client().get(`/v1/admin/ledger?${q}`);
    if (typeof res === 'string') process.stdout.write(res);
    else out(res);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`imagegate: ${e.message}`);
  process.exit(1);
});
