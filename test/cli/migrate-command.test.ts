/**
 * `imagegate migrate` and the start's schema check, run as an operator runs them: separate processes, the
 * database named by the environment (IMAGEGATE_DATA_DIR here, DATABASE_URL the same way).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Kysely, Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withSchemaConnection } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations.js';
import { readSchemaState } from '../../src/store/schema-version.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KNOWN = Object.keys(migrations('sqlite')).sort();
const [third, second, last] = KNOWN.slice(-3) as [string, string, string];

function imagegate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: undefined, IMAGEGATE_LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function sqliteMigratedUpTo(dataDir: string, last: string): Promise<void> {
  await withSchemaConnection({ dataDir }, async (db) => {
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations('sqlite') } }).migrateTo(last);
    if (error) throw error;
  });
}

describe('imagegate migrate', { timeout: 120_000 }, () => {
  it('applies the migrations a database lacks and lists them on stdout', async () => {
    const dataDir = tempDir();
    await sqliteMigratedUpTo(dataDir, third);

    const dry = await imagegate(['migrate', '--dry-run'], { IMAGEGATE_DATA_DIR: dataDir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would get: ${second}, ${last}`);

    const run = await imagegate(['migrate'], { IMAGEGATE_DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`applied 2 migration(s) to the SQLite database ${dataDir}/imagegate.sqlite: ${second}, ${last}`);
    // Piped, the progress line stays off stderr.
    expect(run.stderr).toBe('');

    const again = await imagegate(['--json', 'migrate'], { IMAGEGATE_DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ database: 'sqlite', applied: [], pending: [] });
  });

  it('refuses a database a newer imagegate migrated, as does serve, with exit status 3 and what to do', async () => {
    const dataDir = tempDir();
    await sqliteMigratedUpTo(dataDir, last);
    await withSchemaConnection({ dataDir }, async (db) => {
      await (db as Kysely<{ kysely_migration: { name: string; timestamp: string } }>)
        .insertInto('kysely_migration')
        .values({ name: '999_from_a_newer_version', timestamp: new Date().toISOString() })
        .execute();
    });
    for (const args of [['migrate'], ['serve']]) {
      const run = await imagegate(args, { IMAGEGATE_DATA_DIR: dataDir, PORT: '0' });
      expect(run.code, args.join(' ')).toBe(3);
      expect(run.stderr).toContain('newer than this imagegate');
      expect(run.stderr).toContain('999_from_a_newer_version');
    }
  });

  it('leaves serve refusing a schema with migrations pending under IMAGEGATE_AUTO_MIGRATE=off, naming imagegate migrate', async () => {
    const dataDir = tempDir();
    await sqliteMigratedUpTo(dataDir, second);
    const run = await imagegate(['serve'], { IMAGEGATE_DATA_DIR: dataDir, PORT: '0', IMAGEGATE_AUTO_MIGRATE: 'off' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('run `imagegate migrate`');
    expect(run.stderr).toContain(last);
  });

  it.skipIf(!PG_URL)('applies every migration to the PostgreSQL database of DATABASE_URL, naming it without its password', async () => {
    const databaseUrl = await freshPostgres();
    const run = await imagegate(['migrate'], { DATABASE_URL: databaseUrl, IMAGEGATE_DATA_DIR: tempDir() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`applied ${KNOWN.length} migration(s)`);
    const url = new URL(databaseUrl);
    expect(run.stdout).toContain(`the PostgreSQL database postgres://${url.username}@${url.host}${url.pathname}`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(`:${url.password}@`);
    await withSchemaConnection({ databaseUrl, dataDir: tempDir() }, async (db, dialect) => {
      expect((await readSchemaState(db, dialect)).pending).toEqual([]);
    });
  });
});
