/**
 * better-sqlite3 behind Kysely with its prepared statements kept. Kysely's SQLite driver prepares every
 * query anew; compiling the same few statements for every request was a tenth of the gateway's CPU on
 * the small-image path. Statements are reused by SQL text (parameters are bound per call, and every use is
 * synchronous, so one statement never serves two queries at once).
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** More distinct statements than this (multi-row inserts differ by row count) start the cache over. */
const MAX_STATEMENTS = 512;

export function withStatementCache(db: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => void db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= MAX_STATEMENTS) cache.clear();
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
