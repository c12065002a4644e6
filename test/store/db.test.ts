/**
 * How the gateway's SQLite connection is set up: the settings the ledger's speed and durability rest on.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { tempDir } from '../support/databases.js';

const open: Db[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

async function pragma(db: Db, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`${sql.raw(`PRAGMA ${name}`)}`.execute(db.kysely);
  return Object.values(rows[0] ?? {})[0];
}

describe('openDatabase (SQLite)', () => {
  it('writes through a WAL, syncing it at checkpoints (NORMAL), with foreign keys enforced', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    open.push(db);
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(await pragma(db, 'synchronous')).toBe(1);
    expect(await pragma(db, 'foreign_keys')).toBe(1);
  });

  it('keeps statement journals and temporary tables in memory (temp_store = MEMORY, 2)', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    open.push(db);
    expect(await pragma(db, 'temp_store')).toBe(2);
  });

  it('keeps its settings on a database it opens again', async () => {
    const dir = tempDir();
    await (await openDatabase({ dataDir: dir })).close();
    const db = await openDatabase({ dataDir: dir });
    open.push(db);
    expect(await pragma(db, 'temp_store')).toBe(2);
    expect(await pragma(db, 'journal_mode')).toBe('wal');
  });
});
