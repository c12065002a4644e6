/** Migration 019 adds the request log's token columns: rows written before it read as "none reported". */
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { usage } from '../../src/billing/usage.js';
import { migrations } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/schema.js';

describe('migration 019_request_log_tokens', () => {
  it('leaves earlier rows without tokens, and a usage report sums only the tokens reported', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations('sqlite') } });
    expect((await migrator.migrateTo('017_members')).error).toBeUndefined();
    const row = (id: string) => ({
      id,
      endpoint: '/v1/images/generations',
      model: 'gpt-image-1',
      status: 200,
      images: 1,
      amount: 100,
      latency_ms: 1,
      created_at: 1,
    });
    await (db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto('request_log').values(row('req_before')).execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await db
      .insertInto('request_log')
      .values({ ...row('req_after'), traffic: 'client', input_text_tokens: 25, input_image_tokens: 517, output_image_tokens: 1056, output_text_tokens: 0 })
      .execute();
    const before = await db.selectFrom('request_log').selectAll().where('id', '=', 'req_before').executeTakeFirstOrThrow();
    expect([before.input_text_tokens, before.input_image_tokens, before.output_image_tokens, before.output_text_tokens]).toEqual([null, null, null, null]);
    expect(await usage(db, {}, ['model'])).toEqual([
      {
        model: 'gpt-image-1',
        requests: 2,
        succeeded: 2,
        images: 2,
        spend: 200,
        input_text_tokens: 25,
        input_image_tokens: 517,
        output_image_tokens: 1056,
        output_text_tokens: 0,
      },
    ]);
    await db.destroy();
  });
});
