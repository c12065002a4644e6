/**
 * The databases persistence tests run on: SQLite in a temp dir always, and PostgreSQL when
 * IMAGEGATE_TEST_DATABASE_URL points at a server (.ci/run starts one and sets it). Each PostgreSQL use gets
 * a fresh database of its own, so test files can run in parallel; the run's end drops them (global-setup.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_URL = process.env.IMAGEGATE_TEST_DATABASE_URL;

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** DATABASE_URL for the gateway (undefined = SQLite under dataDir). */
  databaseUrl?: string;
  dataDir: string;
}

export function tempDir(prefix = 'imagegate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh, empty PostgreSQL database; its URL. */
export async function freshPostgres(): Promise<string> {
  if (!PG_URL) throw new Error('IMAGEGATE_TEST_DATABASE_URL is not set');
  const run = process.env.IMAGEGATE_TEST_RUN ?? 'norun';
  const name = `imagegate_t_${run}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The databases to run a persistence suite on: SQLite, plus PostgreSQL when configured. */
export function databases(): Array<{ name: 'sqlite' | 'postgres'; make: () => Promise<TestDatabase> }> {
  const list: Array<{ name: 'sqlite' | 'postgres'; make: () => Promise<TestDatabase> }> = [
    { name: 'sqlite', make: async () => ({ name: 'sqlite', dataDir: tempDir() }) },
  ];
  if (PG_URL) list.push({ name: 'postgres', make: async () => ({ name: 'postgres', databaseUrl: await freshPostgres(), dataDir: tempDir() }) });
  else console.warn('[imagegate tests] IMAGEGATE_TEST_DATABASE_URL not set: PostgreSQL variants are not run here (.ci/run runs them).');
  return list;
}
