/**
 * better-sqlite3 prepared statements, kept. Kysely's SQLite driver prepares every query anew; compiling the
 * same few statements for every request was a tenth of the gateway's CPU on the small-image path.
 * Statements are reused by SQL text (parameters are bound per call, and every use is synchronous, so one
 * statement never serves two queries at once).
 */
import type SQLite from 'better-sqlite3';
import type { QueryResult } from 'kysely';

/** More distinct statements than this (multi-row inserts differ by row count) start the cache over. */
const MAX_STATEMENTS = 512;

export class StatementCache {
  private readonly cache = new Map<string, SQLite.Statement>();

  constructor(private readonly db: SQLite.Database) {}

  /** Run one statement: rows for readers (SELECT, RETURNING), the change count for the rest. */
  run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    const stmt = this.prepare(sql);
    if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  private prepare(sql: string): SQLite.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      if (this.cache.size >= MAX_STATEMENTS) this.cache.clear();
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}
