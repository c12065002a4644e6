/** `imagegate keys …`: API keys. */
import type { Command } from 'commander';
import { oneOf } from './arguments.js';
import { everyPage } from './client.js';
import { type Cli, moneyText, text, timeText, withCli } from './context.js';
import { type CreatedKey, type KeyView, printCreatedKey } from './key-created.js';
import { addKeyAttributeOptions, type KeyAttributeOptions, keyAttributes } from './key-options.js';
import type { Column } from './table.js';

const KEY_STATUSES = ['active', 'revoked', 'expired'] as const;

/** Newest first, so the creation time is left to `keys show`: the name gets the room. */
const clientKeyColumns: Column<KeyView>[] = [
  { header: 'id', value: (k) => k.id },
  { header: 'name', value: (k) => k.name, shrink: true },
  { header: 'prefix', value: (k) => k.prefix },
  { header: 'account_id', value: (k) => k.account_id },
  { header: 'status', value: (k) => k.status },
];
/** Admin keys all belong to the operator account: who minted each is what an audit asks. */
const adminKeyColumns: Column<KeyView>[] = [
  { header: 'id', value: (k) => k.id },
  { header: 'name', value: (k) => k.name, shrink: true },
  { header: 'status', value: (k) => k.status },
  { header: 'created_by', value: (k) => text(k.created_by) },
  { header: 'created', value: (k) => timeText(k.created) },
];

async function printKey(cli: Cli, k: KeyView): Promise<void> {
  if (cli.json) return cli.printJson(k);
  const currency = k.spend_cap_day !== null || k.spend_cap_month !== null ? await cli.currency() : '';
  cli.printFields([
    ['id', k.id],
    ['name', k.name],
    ['prefix', k.prefix],
    ['account_id', k.account_id],
    ['status', k.admin ? `${k.status} (admin key)` : k.status],
    ['models', k.models ? k.models.join(', ') : 'any'],
    ['rpm', text(k.rpm)],
    ['ipm', text(k.ipm)],
    ['max_concurrency', text(k.max_concurrency)],
    ['spend_cap_day', moneyText(k.spend_cap_day, currency)],
    ['spend_cap_month', moneyText(k.spend_cap_month, currency)],
    ['drop_unsupported', String(k.drop_unsupported)],
    ['callback_url', text(k.callback_url)],
    ['expires_at', timeText(k.expires_at)],
    ['created', timeText(k.created)],
    ['created_by', text(k.created_by)],
  ]);
}

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  addKeyAttributeOptions(
    keys
      .command('create')
      .description('create an API key: prints the secret once, the account it bills to and what that account can spend')
      .option('--name <name>', 'a name to recognise the key by', 'default')
      .option('--account <id>', 'account the key bills to (default: the operator account)')
      .option('--admin', 'create another admin key'),
  ).action(
    withCli(async (cli, o: KeyAttributeOptions & { account?: string; admin?: boolean }, command: Command) => {
      const created = (await cli.client().post('/v1/admin/keys', { ...keyAttributes(o), account_id: o.account, admin: o.admin })) as CreatedKey;
      await printCreatedKey(cli, created, command.optsWithGlobals<{ url: string }>().url);
    }),
  );
  keys
    .command('list')
    .description('every key, newest first (never their secrets)')
    .option('--account <id>', 'only this account')
    .option('--admin', 'only admin keys, with the key that created each (created_by), to audit what was minted')
    .option('--status <status>', `only ${KEY_STATUSES.join(', ')} keys`, oneOf(KEY_STATUSES))
    .option('--search <text>', 'only keys whose name or prefix contains this text')
    .action(
      withCli(async (cli, o: { account?: string; admin?: boolean; status?: string; search?: string }) => {
        const q = new URLSearchParams();
        if (o.account) q.set('account_id', o.account);
        if (o.admin) q.set('admin', 'true');
        if (o.status) q.set('status', o.status);
        if (o.search) q.set('q', o.search);
        const data = (await everyPage(cli.client(), '/v1/admin/keys', q)) as KeyView[];
        if (cli.json) return cli.printJson({ object: 'list', data });
        cli.printTable(data, o.admin ? adminKeyColumns : clientKeyColumns);
      }),
    );
  keys
    .command('show <id>')
    .description("a key's account, limits, status and who created it")
    .action(withCli(async (cli, id: string) => printKey(cli, (await cli.client().get(`/v1/admin/keys/${encodeURIComponent(id)}`)) as KeyView)));
  addKeyAttributeOptions(
    keys
      .command('update <id>')
      .description("change a key's name, model allowlist, limits, spend caps, expiry or defaults; options left out stay as they are")
      .option('--name <name>', 'a new name'),
  ).action(
    withCli(async (cli, id: string, o: KeyAttributeOptions) => {
      const body = keyAttributes(o);
      if (Object.values(body).every((v) => v === undefined)) throw new Error('keys update: nothing to change; pass at least one option (see --help)');
      await printKey(cli, (await cli.client().patch(`/v1/admin/keys/${encodeURIComponent(id)}`, body)) as KeyView);
    }),
  );
  keys
    .command('revoke <id>')
    .description('revoke a key for good (takes effect at once on this instance, within 1 s on others)')
    .action(
      withCli(async (cli, id: string) => {
        const r = await cli.client().post(`/v1/admin/keys/${encodeURIComponent(id)}/revoke`, {});
        if (cli.json) return cli.printJson(r);
        cli.note(`Key ${id} revoked.`);
      }),
    );
}
