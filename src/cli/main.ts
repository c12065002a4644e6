#!/usr/bin/env node
/**
 * `imagegate serve` runs the gateway; `migrate`, `backup` and `restore` work on its database directly; every
 * other command is a thin client of the admin API of a running gateway. Each command group lives in its own
 * file and registers itself here with one line.
 */
import { Command, Option } from 'commander';
import { registerAccountsCommands } from './accounts-command.js';
import { registerBackupCommands } from './backup-command.js';
import { DEFAULT_PORT } from './client.js';
import { registerKeysCommands } from './keys-command.js';
import { registerLedgerCommand } from './ledger-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerModelsCommand } from './models-command.js';
import { registerRequestsCommands } from './requests-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTasksCommands } from './tasks-command.js';
import { registerUsageCommand } from './usage-command.js';
import { registerUsersCommands } from './users-command.js';

const program = new Command();
program
  .name('imagegate')
  .description('Self-hosted, OpenAI-compatible image API gateway')
  .version('0.1.0')
  .addOption(
    new Option('--url <url>', 'the gateway the admin commands talk to').env('IMAGEGATE_URL').default(`http://127.0.0.1:${process.env.PORT ?? DEFAULT_PORT}`),
  )
  .addOption(new Option('--admin-key <key>', 'the admin key the admin commands send').env('IMAGEGATE_ADMIN_KEY'))
  .option('--json', "print the API's JSON unchanged (amounts in micro-units), for scripts")
  .configureHelp({ showGlobalOptions: true })
  .addHelpText('after', '\nAmounts are typed and shown in currency units (12.50), the API speaks micro-units. Every command: docs/cli.md');

registerServeCommand(program);
registerModelsCommand(program);
registerKeysCommands(program);
registerAccountsCommands(program);
registerUsersCommands(program);
registerUsageCommand(program);
registerLedgerCommand(program);
registerRequestsCommands(program);
registerTasksCommands(program);
registerMigrateCommand(program);
registerBackupCommands(program);

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`imagegate: ${e.message}`);
  process.exit(1);
});
