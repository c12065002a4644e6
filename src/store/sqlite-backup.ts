/**
 * Backup and restore of the SQLite database. A backup is taken online with SQLite's backup API while the
 * gateway serves, into a temporary file renamed into place once complete, so a file under the backup's name
 * is always a whole database. A restore checks the file, refuses while a gateway beats on the database it
 * would replace, keeps that database beside it, and puts the backup in place without the old WAL.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { readSchemaState, SchemaNewerError } from './schema-version.js';

/** Pages copied per step of an online backup (4 MB of 4 KB pages): a progress report each. */
const PAGES_PER_STEP = 1024;
/** The largest step better-sqlite3 takes: the rest of the database at once. */
const ALL_PAGES = 0x7fffffff;

export interface BackupProgress {
  totalPages: number;
  copiedPages: number;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  /** The last migration the backed-up schema has. */
  schema: string;
}

/** The database files SQLite keeps beside the main one in WAL mode. */
const walFiles = (file: string) => [`${file}-wal`, `${file}-shm`];

/** Copies the live database at `source` to `target`, which must not exist yet. */
export async function backupSqlite(source: string, target: string, onProgress?: (p: BackupProgress) => void): Promise<BackupSummary> {
  if (!existsSync(source)) throw new Error(`there is no SQLite database at ${source}: nothing to back up (is IMAGEGATE_DATA_DIR the gateway's?)`);
  if (existsSync(target)) throw new Error(`${target} exists: name a new file for the backup`);
  const partial = join(dirname(target), `.${Date.now()}.imagegate-backup.partial`);
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // SQLite starts the copy over when another connection (the gateway) writes between two steps; under steady
    // writes it would start over for ever. Once that happens, the rest is copied in one step: one read
    // transaction, which in WAL mode the gateway's writes go on beside.
    let copiedBefore = 0;
    let oneStep = false;
    const done = await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        const copiedPages = totalPages - remainingPages;
        if (copiedBefore > 0 && copiedPages <= copiedBefore) oneStep = true;
        copiedBefore = copiedPages;
        onProgress?.({ totalPages, copiedPages });
        return oneStep ? ALL_PAGES : PAGES_PER_STEP;
      },
    });
    // SQLite reports before each step; the finished copy is reported once it has landed.
    onProgress?.({ totalPages: done.totalPages, copiedPages: done.totalPages - done.remainingPages });
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  const checked = await checkImagegateDatabase(partial).catch((err: Error) => {
    rmSync(partial, { force: true });
    throw err;
  });
  await rename(partial, target);
  return { file: target, bytes: checked.bytes, schema: checked.schema };
}

/** A backup that is a whole SQLite database of imagegate's, with a schema this version can serve or upgrade. */
async function checkImagegateDatabase(file: string): Promise<{ bytes: number; schema: string }> {
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file} cannot be opened as a SQLite database: ${(err as Error).message}`);
  }
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    let check: unknown;
    try {
      check = sqlite.pragma('quick_check', { simple: true });
    } catch (err) {
      throw new Error(`${file} is not a SQLite database: ${(err as Error).message}`);
    }
    if (check !== 'ok') throw new Error(`${file} is damaged (SQLite quick_check: ${String(check)})`);
    const state = await readSchemaState(kysely, 'sqlite');
    if (state.unknown.length) throw new SchemaNewerError(state.unknown);
    const schema = state.applied.at(-1);
    if (!schema) throw new Error(`${file} is a SQLite database, but not imagegate's (it has no imagegate migrations)`);
    const pages = sqlite.pragma('page_count', { simple: true }) as number;
    const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
    return { bytes: pages * pageSize, schema };
  } finally {
    await kysely.destroy();
  }
}

export interface RestoreSummary {
  schema: string;
  /** Where the database the restore replaced was kept, if there was one. */
  replacedKeptAt?: string;
}

/**
 * Puts the backup `file` in place of the database at `target`. Refuses while a gateway process has beaten
 * on that database within `liveWithinMs` (its heartbeat in the instances table): a gateway keeps the file
 * open, and would go on writing into the database the restore replaced.
 */
export async function restoreSqlite(file: string, target: string, opts: { liveWithinMs: number; now?: number }): Promise<RestoreSummary> {
  const { schema } = await checkImagegateDatabase(file);
  let replacedKeptAt: string | undefined;
  if (existsSync(target)) {
    refuseWhileServed(target, opts.liveWithinMs, opts.now ?? Date.now());
    replacedKeptAt = `${target}.before-restore-${new Date(opts.now ?? Date.now()).toISOString().replace(/[:.]/g, '-')}`;
    // Checkpointed and closed, the old database is whole in its main file, and its WAL is gone.
    const old = new SQLite(target, { fileMustExist: true });
    old.pragma('wal_checkpoint(TRUNCATE)');
    old.close();
    renameSync(target, replacedKeptAt);
  }
  // A WAL left beside the main file would be read into the restored database as if it were its own.
  for (const f of walFiles(target)) rmSync(f, { force: true });
  const incoming = `${target}.restoring`;
  await copyFile(file, incoming);
  await rename(incoming, target);
  return { schema, replacedKeptAt };
}

function refuseWhileServed(target: string, liveWithinMs: number, now: number): void {
  const db = new SQLite(target, { fileMustExist: true });
  try {
    const hasInstances = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'instances'").get();
    if (!hasInstances) return;
    const live = db.prepare('select id, last_seen from instances where last_seen > ? order by last_seen desc').all(now - liveWithinMs) as Array<{
      id: string;
      last_seen: number;
    }>;
    if (live.length) {
      const seen = Math.max(0, Math.round((now - live[0]!.last_seen) / 1000));
      throw new Error(
        `a gateway is running on ${target} (${live[0]!.id}, seen ${seen} s ago): stop it, then restore. ` +
          `A gateway that was killed counts as running until ${Math.round(liveWithinMs / 1000)} s after its last heartbeat.`,
      );
    }
  } finally {
    db.close();
  }
}
