/** Migration 015 classes the request-log rows written before it by their endpoint, so old pages filter right. */
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations.js';

describe('migration 015_request_log_traffic', () => {
  it('marks earlier admin API and console rows as admin traffic and the rest as client traffic', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations('sqlite') } });
    expect((await migrator.migrateTo('013_console_admin_indexes')).error).toBeUndefined();
    const row = (id: string, endpoint: string) => ({ id, endpoint, status: 200, images: 0, amount: 0, latency_ms: 1, created_at: 1 });
    await db
      .insertInto('request_log')
      .values([
        row('req_images', '/v1/images/generations'),
        row('req_admin', '/v1/admin/requests'),
        row('req_signin', '/v1/console/sign-in'),
        row('req_tasks', '/v1/tasks/:id'),
      ])
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const rows = await db.selectFrom('request_log').select(['id', 'traffic']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'req_admin', traffic: 'admin' },
      { id: 'req_images', traffic: 'client' },
      { id: 'req_signin', traffic: 'admin' },
      { id: 'req_tasks', traffic: 'client' },
    ]);
    await db.destroy();
  });
});
