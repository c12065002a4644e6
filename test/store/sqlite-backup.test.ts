/**
 * The online backup of the SQLite database under a gateway that keeps writing: SQLite's backup API starts
 * over whenever another connection writes between its steps, so a backup taken in small steps could start
 * over for as long as the writes go on (it did: this test timed out).
 */
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteFile } from '../../src/store/db.js';
import { backupSqlite } from '../../src/store/sqlite-backup.js';
import { tempDir } from '../support/databases.js';

describe('backupSqlite', () => {
  it('finishes while another connection commits every few milliseconds, with everything committed before it began', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    await (await openDatabase({ dataDir })).close();
    const file = sqliteFile(dataDir);
    const writer = new SQLite(file);
    writer.pragma('journal_mode = WAL');
    // About 16 MB: many steps of the backup's page batches.
    const insert = writer.prepare('insert into settings (name, value) values (?, ?)');
    writer.transaction(() => {
      for (let i = 0; i < 4000; i++) insert.run(`bulk-${i}`, 'x'.repeat(4000));
    })();
    let n = 0;
    const writes = setInterval(() => insert.run(`during-${n++}`, 'y'), 2);
    const target = join(tempDir('imagegate-backup-'), 'b.sqlite');
    const reports: number[] = [];
    try {
      const summary = await backupSqlite(file, target, (p) => reports.push(p.copiedPages));
      expect(summary.file).toBe(target);
    } finally {
      clearInterval(writes);
      writer.close();
    }
    expect(n).toBeGreaterThan(0);
    // It went in steps (a progress report each) until the writes made it start over.
    expect(reports.length).toBeGreaterThan(2);
    const copy = new SQLite(target, { readonly: true });
    expect((copy.prepare("select count(*) as c from settings where name like 'bulk-%'").get() as { c: number }).c).toBe(4000);
    copy.close();
  });
});
