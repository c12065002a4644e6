/**
 * Starting on a schema that is not this version's: behind it is upgraded (IMAGEGATE_AUTO_MIGRATE, the
 * default) or refused with a message naming `imagegate migrate` (IMAGEGATE_AUTO_MIGRATE=off); ahead of it (a
 * migration this version does not know) is refused either way. SQLite always, PostgreSQL when configured.
 */
import { type Kysely, Migrator } from 'kysely';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createGateway } from '../../src/gateway.js';
import { type DatabaseLocation, openDatabase, withSchemaConnection } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations.js';
import { readSchemaState, SchemaNewerError, SchemaPendingError, upgradeSchema } from '../../src/store/schema-version.js';
import { databases } from '../support/databases.js';

const KNOWN = Object.keys(migrations('sqlite')).sort();
const LATEST = KNOWN.at(-1)!;
const BEFORE_LATEST = KNOWN.at(-2)!;

/** The database migrated as an older imagegate left it: up to and including `last`. */
async function migratedUpTo(location: DatabaseLocation, last: string): Promise<void> {
  await withSchemaConnection(location, async (db, dialect) => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations(dialect) } });
    const { error } = await migrator.migrateTo(last);
    if (error) throw error;
  });
}

/** A row a newer imagegate's migration would have left. */
async function markNewerMigration(location: DatabaseLocation, name: string): Promise<void> {
  await withSchemaConnection(location, async (db) => {
    await (db as Kysely<{ kysely_migration: { name: string; timestamp: string } }>)
      .insertInto('kysely_migration')
      .values({ name, timestamp: new Date().toISOString() })
      .execute();
  });
}

const stateOf = (location: DatabaseLocation) => withSchemaConnection(location, (db, dialect) => readSchemaState(db, dialect));

for (const variant of databases()) {
  describe(`schema version at start (${variant.name})`, () => {
    it('applies the pending migrations at open when the schema is behind', async () => {
      const location = await variant.make();
      await migratedUpTo(location, KNOWN.at(-3)!);
      const db = await openDatabase(location);
      await db.close();
      const state = await stateOf(location);
      expect(state.pending).toEqual([]);
      expect(state.applied.at(-1)).toBe(LATEST);
    });

    it('reports each migration as it lands, in order, with its place among those pending', async () => {
      const location = await variant.make();
      await migratedUpTo(location, KNOWN.at(-3)!);
      const steps: Array<{ name: string; index: number; total: number }> = [];
      const applied = await withSchemaConnection(location, (db, dialect) =>
        upgradeSchema(db, dialect, ({ name, index, total }) => steps.push({ name, index, total })),
      );
      expect(applied).toEqual(KNOWN.slice(-2));
      expect(steps).toEqual([
        { name: BEFORE_LATEST, index: 1, total: 2 },
        { name: LATEST, index: 2, total: 2 },
      ]);
    });

    it('refuses to open a schema with pending migrations when they are left to imagegate migrate, and changes nothing', async () => {
      const location = await variant.make();
      await migratedUpTo(location, BEFORE_LATEST);
      const opening = openDatabase({ ...location, schema: 'require-current' });
      await expect(opening).rejects.toBeInstanceOf(SchemaPendingError);
      await expect(opening).rejects.toThrow(/imagegate migrate/);
      await expect(opening).rejects.toThrow(LATEST);
      expect((await stateOf(location)).pending).toEqual([LATEST]);
    });

    it('refuses a schema with a migration this version does not know, whether or not it migrates', async () => {
      const location = await variant.make();
      await (await openDatabase(location)).close();
      await markNewerMigration(location, '999_from_a_newer_version');
      for (const schema of ['upgrade', 'require-current'] as const) {
        const opening = openDatabase({ ...location, schema });
        await expect(opening).rejects.toBeInstanceOf(SchemaNewerError);
        await expect(opening).rejects.toThrow(/newer than this imagegate.*999_from_a_newer_version/);
      }
    });

    it('with IMAGEGATE_AUTO_MIGRATE=off, a gateway refuses an empty database until it is migrated, then starts', async () => {
      const location = await variant.make();
      const config = loadConfig({
        IMAGEGATE_DATA_DIR: location.dataDir,
        IMAGEGATE_LOG_LEVEL: 'silent',
        IMAGEGATE_AUTO_MIGRATE: 'off',
        PORT: '0',
        ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      });
      expect(config.autoMigrate).toBe(false);
      await expect(createGateway(config, { logger: pino({ level: 'silent' }) })).rejects.toBeInstanceOf(SchemaPendingError);
      await withSchemaConnection(location, (db, dialect) => upgradeSchema(db, dialect));
      const gateway = await createGateway(config, { logger: pino({ level: 'silent' }) });
      await gateway.close();
    });
  });
}
