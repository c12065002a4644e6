/**
 * Several gateways started at once on one empty PostgreSQL database (a fleet's first deploy) all come up:
 * migrations run once, and exactly one admin key is made whether or not IMAGEGATE_ADMIN_KEY is set.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';
import { ADMIN_KEY } from '../support/gateway.js';

const INSTANCES = 16;

async function startAtOnce(databaseUrl: string, env: Record<string, string>): Promise<{ up: Gateway[]; failures: string[] }> {
  const starts = await Promise.allSettled(
    Array.from({ length: INSTANCES }, () =>
      createGateway(
        loadConfig({
          HOST: '127.0.0.1',
          PORT: '0',
          IMAGEGATE_DATA_DIR: tempDir(),
          IMAGEGATE_LOG_LEVEL: 'silent',
          DATABASE_URL: databaseUrl,
          IMAGEGATE_DB_POOL_SIZE: '4',
          ...env,
        }),
        {
          logger: pino({ level: 'silent' }),
        },
      ),
    ),
  );
  const up = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failures = starts.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
  return { up, failures };
}

async function adminKeys(g: Gateway) {
  return (await g.keys.list()).filter((k) => k.isAdmin);
}

describe.skipIf(!PG_URL)(`${INSTANCES} gateways starting at once on an empty PostgreSQL database`, () => {
  it('all come up with IMAGEGATE_ADMIN_KEY set, and exactly one admin key exists', async () => {
    const { up, failures } = await startAtOnce(await freshPostgres(), { IMAGEGATE_ADMIN_KEY: ADMIN_KEY });
    try {
      expect(failures).toEqual([]);
      expect(up).toHaveLength(INSTANCES);
      expect(await adminKeys(up[0]!)).toHaveLength(1);
      expect(await up[0]!.keys.authenticate(ADMIN_KEY)).toMatchObject({ isAdmin: true });
    } finally {
      await Promise.all(up.map((g) => g.close()));
    }
  }, 120_000);

  it('all come up without IMAGEGATE_ADMIN_KEY, exactly one of them made (and prints) the admin key', async () => {
    const { up, failures } = await startAtOnce(await freshPostgres(), {});
    try {
      expect(failures).toEqual([]);
      expect(up).toHaveLength(INSTANCES);
      expect(await adminKeys(up[0]!)).toHaveLength(1);
      const printed = up.flatMap((g) => (g.createdAdminKey ? [g.createdAdminKey] : []));
      expect(printed).toHaveLength(1);
      expect(await up[0]!.keys.authenticate(printed[0]!)).toMatchObject({ isAdmin: true });
    } finally {
      await Promise.all(up.map((g) => g.close()));
    }
  }, 120_000);
});

describe('first start on SQLite', () => {
  it('makes and prints the admin key once; a later start on the same data dir makes none', async () => {
    const dir = tempDir();
    const start = () =>
      createGateway(loadConfig({ HOST: '127.0.0.1', PORT: '0', IMAGEGATE_DATA_DIR: dir, IMAGEGATE_LOG_LEVEL: 'silent' }), {
        logger: pino({ level: 'silent' }),
      });
    const first = await start();
    const printed = first.createdAdminKey;
    await first.close();
    const second = await start();
    try {
      expect(printed).toMatch(/^sk-ig-/);
      expect(second.createdAdminKey).toBeUndefined();
      expect(await adminKeys(second)).toHaveLength(1);
      expect(await second.keys.authenticate(printed!)).toMatchObject({ isAdmin: true });
    } finally {
      await second.close();
    }
  });
});
