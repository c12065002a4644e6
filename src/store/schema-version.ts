/**
 * Which migrations a database has had, against the ones this build knows, and the two ways a start may meet
 * it: apply what is pending (IMAGEGATE_AUTO_MIGRATE, and `imagegate migrate`), or require it current (rolling
 * deploys, where one `imagegate migrate` upgrades the schema before the new instances start). Either way a
 * database that has migrations this build lacks was written by a newer imagegate, and is refused.
 */
import { type Kysely, Migrator } from 'kysely';
import { migrations, type SqlDialect } from './migrations.js';

/** Kysely's own bookkeeping table: the migrations a database has had, one row each. */
const MIGRATION_TABLE = 'kysely_migration';

export interface SchemaState {
  /** Every migration this build knows, in order. */
  known: string[];
  /** Known migrations the database has had. */
  applied: string[];
  /** Known migrations the database has not had yet, in the order they run. */
  pending: string[];
  /** Migrations the database has had that this build does not know: a newer imagegate wrote them. */
  unknown: string[];
}

/** A database whose schema this build cannot serve; `imagegate serve` prints the message and exits. */
export class SchemaMismatchError extends Error {}

/** The database has migrations this build does not know. */
export class SchemaNewerError extends SchemaMismatchError {
  constructor(readonly unknown: string[]) {
    super(
      `the database schema is newer than this imagegate: it has migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, ` +
        `which this version does not know. Run the imagegate version that applied ${unknown.length > 1 ? 'them' : 'it'} (or a newer one); ` +
        'going back to this version needs a restore of a backup taken before the upgrade (docs/deploy.md, "Upgrades").',
    );
  }
}

/** The database needs migrations, and this start was told not to apply them (IMAGEGATE_AUTO_MIGRATE=off). */
export class SchemaPendingError extends SchemaMismatchError {
  constructor(readonly pending: string[]) {
    super(
      `the database schema needs ${pending.length} migration${pending.length > 1 ? 's' : ''} (${pending.join(', ')}), ` +
        'and IMAGEGATE_AUTO_MIGRATE=off leaves them to the operator: run `imagegate migrate` once with the same ' +
        'DATABASE_URL (or IMAGEGATE_DATA_DIR), then start the gateways.',
    );
  }
}

export async function readSchemaState(db: Kysely<unknown>, dialect: SqlDialect): Promise<SchemaState> {
  const known = Object.keys(migrations(dialect)).sort();
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const done = tables.some((t) => t.name === MIGRATION_TABLE)
    ? (await (db as Kysely<Record<typeof MIGRATION_TABLE, { name: string }>>).selectFrom(MIGRATION_TABLE).select('name').execute()).map((r) => r.name)
    : [];
  const doneSet = new Set(done);
  const knownSet = new Set(known);
  return {
    known,
    applied: known.filter((n) => doneSet.has(n)),
    pending: known.filter((n) => !doneSet.has(n)),
    unknown: done.filter((n) => !knownSet.has(n)).sort(),
  };
}

/** Refuses a schema this build cannot serve as it is: newer than it knows, or with migrations pending. */
export async function requireCurrentSchema(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const state = await readSchemaState(db, dialect);
  if (state.unknown.length) throw new SchemaNewerError(state.unknown);
  if (state.pending.length) throw new SchemaPendingError(state.pending);
}

export interface MigrationStep {
  name: string;
  /** 1-based position among the migrations this run applies, and how many it found pending. */
  index: number;
  total: number;
  ms: number;
}

/**
 * Applies the pending migrations one at a time, each under the migrator's lock (an advisory lock on
 * PostgreSQL) and in its own transaction where the database has transactional DDL, so instances starting
 * together apply each migration once, and a failure keeps the ones before it. Returns the names applied.
 */
export async function upgradeSchema(db: Kysely<unknown>, dialect: SqlDialect, onStep?: (step: MigrationStep) => void): Promise<string[]> {
  const before = await readSchemaState(db, dialect);
  if (before.unknown.length) throw new SchemaNewerError(before.unknown);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations(dialect) } });
  const applied: string[] = [];
  for (;;) {
    const started = performance.now();
    const { error, results = [] } = await migrator.migrateUp();
    const failed = results.find((r) => r.status === 'Error');
    if (error || failed) {
      // Another instance may have applied a newer build's migrations since the check above.
      const now = await readSchemaState(db, dialect);
      if (now.unknown.length) throw new SchemaNewerError(now.unknown);
      throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
    }
    const done = results.find((r) => r.status === 'Success');
    if (!done) return applied;
    applied.push(done.migrationName);
    onStep?.({ name: done.migrationName, index: applied.length, total: Math.max(before.pending.length, applied.length), ms: performance.now() - started });
  }
}
