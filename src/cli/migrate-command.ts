/**
 * `imagegate migrate`: applies the database migrations this version has and the database lacks, once, before
 * gateways that run with IMAGEGATE_AUTO_MIGRATE=off start (rolling deploys). Reads the same environment as
 * `imagegate serve` (DATABASE_URL, or IMAGEGATE_DATA_DIR for SQLite).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { withSchemaConnection } from '../store/db.js';
import { readSchemaState, SchemaMismatchError, SchemaNewerError, upgradeSchema } from '../store/schema-version.js';
import { databaseLocation, describeDatabase } from './database-location.js';
import { SCHEMA_MISMATCH_EXIT } from './exit-codes.js';
import { progressLine } from './progress.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, or the SQLite database in IMAGEGATE_DATA_DIR)')
    .option('--dry-run', 'only list the migrations that would run')
    .action(async (o: { dryRun?: boolean }, cmd: Command) => {
      const json = cmd.optsWithGlobals().json === true;
      try {
        await migrate(o.dryRun === true, json);
      } catch (e) {
        if (!(e instanceof SchemaMismatchError)) throw e;
        console.error(`imagegate: ${e.message}`);
        process.exit(SCHEMA_MISMATCH_EXIT);
      }
    });
}

async function migrate(dryRun: boolean, json: boolean): Promise<void> {
  const location = databaseLocation(loadConfig());
  const where = describeDatabase(location);
  const progress = progressLine('migrate');
  const result = await withSchemaConnection(location, async (db, dialect) => {
    const before = await readSchemaState(db, dialect);
    if (before.unknown.length) throw new SchemaNewerError(before.unknown);
    if (dryRun) return { database: dialect, applied: [] as string[], pending: before.pending };
    if (before.pending.length) progress.update(`${before.pending.length} pending on ${where}`);
    try {
      const applied = await upgradeSchema(db, dialect, (step) => progress.update(`[${step.index}/${step.total}] ${step.name} (${Math.round(step.ms)} ms)`));
      return { database: dialect, applied, pending: [] as string[] };
    } finally {
      progress.done();
    }
  });
  if (json) console.log(JSON.stringify(result, null, 2));
  else if (dryRun) console.log(result.pending.length ? `${where} would get: ${result.pending.join(', ')}` : `${where} is current: nothing to apply`);
  else if (result.applied.length) console.log(`applied ${result.applied.length} migration(s) to ${where}: ${result.applied.join(', ')}`);
  else console.log(`${where} is current: nothing to apply`);
}
