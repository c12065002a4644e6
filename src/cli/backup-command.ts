/**
 * `imagegate backup <file>` and `imagegate restore <file>`: the SQLite database, online, through SQLite's
 * backup API. A PostgreSQL deployment is backed up with PostgreSQL's own tools; the command says how.
 * Hosted images and uploads (the data dir's blobs, or the S3 bucket) are not in the database: docs/deploy.md.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { type DatabaseLocation, sqliteFile } from '../store/db.js';
import { backupSqlite, restoreSqlite } from '../store/sqlite-backup.js';
import { databaseLocation, describeDatabase } from './database-location.js';
import { bytesText, progressLine } from './progress.js';

export function registerBackupCommands(program: Command): void {
  program
    .command('backup <file>')
    .description('copy the SQLite database to <file> while the gateway runs (PostgreSQL: prints the pg_dump way)')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const location = sqliteOnly(databaseLocation(loadConfig()), 'backup');
      const progress = progressLine('backup');
      const summary = await backupSqlite(sqliteFile(location.dataDir), resolve(file), ({ totalPages, copiedPages }) =>
        progress.update(`${Math.floor((100 * copiedPages) / Math.max(1, totalPages))}% (${copiedPages} of ${totalPages} pages)`),
      ).finally(() => progress.done());
      if (cmd.optsWithGlobals().json === true) console.log(JSON.stringify(summary, null, 2));
      else console.log(`backed up ${describeDatabase(location)} to ${summary.file} (${bytesText(summary.bytes)}, schema ${summary.schema})`);
    });

  program
    .command('restore <file>')
    .description('replace the SQLite database with a backup (stop the gateway first; the replaced database is kept)')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const config = loadConfig();
      const location = sqliteOnly(databaseLocation(config), 'restore');
      const summary = await restoreSqlite(resolve(file), sqliteFile(location.dataDir), { liveWithinMs: config.instanceStaleMs });
      if (cmd.optsWithGlobals().json === true) console.log(JSON.stringify(summary, null, 2));
      else
        console.log(
          `restored ${resolve(file)} (schema ${summary.schema}) as ${describeDatabase(location)}` +
            (summary.replacedKeptAt ? `; the database it replaced is kept at ${summary.replacedKeptAt}` : ''),
        );
    });
}

/** Backups of a PostgreSQL deployment belong to PostgreSQL's tools; the refusal says which and how. */
function sqliteOnly(location: DatabaseLocation, command: 'backup' | 'restore'): DatabaseLocation {
  if (!location.databaseUrl) return location;
  const url = new URL(location.databaseUrl);
  url.password = '';
  const target = `'${url.toString()}'`;
  throw new Error(
    `${command} works on the SQLite database; this gateway uses PostgreSQL (DATABASE_URL). Use PostgreSQL's tools ` +
      '(the password from PGPASSWORD or ~/.pgpass):\n' +
      `  back up:  pg_dump --format=custom --file=imagegate.dump ${target}\n` +
      `  restore:  pg_restore --clean --if-exists --no-owner --dbname=${target} imagegate.dump\n` +
      'See docs/deploy.md, "Backups".',
  );
}
