/**
 * One test run's leftovers, owned by the run: every temp dir the tests (and the gateways they start) make
 * lands under one directory of this run, and every PostgreSQL database freshPostgres() makes carries this
 * run's id. Both go when the run ends, so repeated runs do not fill the disk or the cluster, and two runs on
 * one machine never remove each other's.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const RUN_ID_VARIABLE = 'IMAGEGATE_TEST_RUN';

export default async function setup(): Promise<() => Promise<void>> {
  const runDir = mkdtempSync(join(tmpdir(), 'imagegate-run-'));
  // As open as the /tmp it stands for: the test PostgreSQL clusters run as the `postgres` user and must reach
  // their data directories under it.
  chmodSync(runDir, 0o1777);
  const runId = runDir
    .slice(-6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0');
  // Workers and the processes they spawn are started after this and inherit both.
  process.env.TMPDIR = runDir;
  process.env[RUN_ID_VARIABLE] = runId;
  return async () => {
    await dropDatabasesOfRun(runId);
    rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
  };
}

async function dropDatabasesOfRun(runId: string): Promise<void> {
  const url = process.env.IMAGEGATE_TEST_DATABASE_URL;
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`imagegate_t_${runId}_%`]);
    // FORCE: a gateway a test killed may have left a session behind.
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
