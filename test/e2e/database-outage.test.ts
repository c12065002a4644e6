/**
 * A gateway process outlives its PostgreSQL server restarting and its connections being terminated: it
 * answers 503 database_unavailable while the database is gone and serves again by itself once it is back.
 * The database is a throwaway cluster of this test's own, so stopping it hurts nobody else.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { canRunPgCluster, PgCluster } from '../support/pg-cluster.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { freePort, startGatewayProcess, fundedKey } from '../support/process.js';
import { pollValue } from '../support/wait.js';

describe.skipIf(!canRunPgCluster)('a PostgreSQL outage under a running gateway', () => {
  let cluster: PgCluster;
  let child: ChildProcess | undefined;
  let base: string;
  let key: string;

  beforeAll(async () => {
    cluster = await PgCluster.create();
    const port = await freePort();
    child = await startGatewayProcess(
      {
        HOST: '127.0.0.1',
        IMAGEGATE_DATA_DIR: tempDir(),
        IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
        IMAGEGATE_LOG_LEVEL: 'silent',
        DATABASE_URL: await cluster.createDatabase(),
        IMAGEGATE_DB_CONNECT_TIMEOUT_MS: '2000',
      },
      port,
    );
    base = `http://127.0.0.1:${port}`;
    key = (await fundedKey(base, 'outage', 100_000_000)).key;
  }, 60_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await cluster?.destroy();
  });

  const generate = async () => {
    try {
      const res = await fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local', prompt: 'a lamp', size: '64x64' }),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; type: string; message: string; param: unknown } } };
    } catch (e) {
      // The process is gone: the test fails on the status, with this as the reason.
      return { status: 0, body: { error: { code: `no answer: ${(e as Error).message}`, type: '', message: '', param: null } } };
    }
  };
  const ready = async () => {
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  it('stays up when every database connection is terminated, and serves on new ones', async () => {
    expect((await generate()).status).toBe(200);
    expect(await cluster.terminateBackends()).toBeGreaterThan(0);
    const after = await pollValue(generate, (r) => r.status === 200, 10_000);
    expect(after.status).toBe(200);
    expect(child!.exitCode).toBeNull();
  }, 30_000);

  it('answers 503 database_unavailable while the database is down and recovers by itself when it is back', async () => {
    expect((await generate()).status).toBe(200);
    await cluster.stop();
    try {
      const during = await pollValue(generate, (r) => r.status !== 200, 10_000);
      expect(during.status).toBe(503);
      expect(during.body.error).toMatchObject({ code: 'database_unavailable', type: 'server_error', param: null });
      const probe = await ready();
      expect(probe.status).toBe(503);
      expect(probe.body.checks.database).not.toBe('ok');
    } finally {
      await cluster.start();
    }
    const after = await pollValue(generate, (r) => r.status === 200, 15_000);
    expect(after.status).toBe(200);
    expect((await ready()).body).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    expect(child!.exitCode).toBeNull();
  }, 60_000);
});
