/**
 * `imagegate backup` and `imagegate restore`, run as an operator runs them (separate processes): a backup
 * taken while a gateway serves, restored into another data dir, gives a gateway with the same keys, balances
 * and ledger; a restore under a running gateway, or of a file that is not imagegate's, is refused.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { startGateway } from '../support/gateway.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function imagegate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: undefined, IMAGEGATE_LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('imagegate backup and restore (SQLite)', { timeout: 120_000 }, () => {
  it('restores a backup taken while the gateway served, over the database it was taken from, into a gateway with the same keys, balances and ledger', async () => {
    const source = tempDir();
    const gw = await startGateway({ dataDir: source });
    let client: { key: string; accountId: string };
    let ledgerBefore: unknown;
    const backup = join(tempDir('imagegate-backup-'), 'imagegate.backup.sqlite');
    try {
      client = await gw.clientKey({ balance: 7_250_000 });
      expect((await gw.admin(`/v1/admin/accounts/${client.accountId}/credit`, { body: { amount: 1, note: 'one micro' } })).status).toBe(200);
      ledgerBefore = (await gw.admin(`/v1/admin/ledger?account_id=${client.accountId}`)).body;

      const run = await imagegate(['backup', backup], { IMAGEGATE_DATA_DIR: source });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`to ${backup}`);
      // Written after the backup: not in it.
      await gw.admin(`/v1/admin/accounts/${client.accountId}/credit`, { body: { amount: 5, note: 'after the backup' } });
    } finally {
      await gw.close();
    }

    const restored = await imagegate(['restore', backup], { IMAGEGATE_DATA_DIR: source });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('the database it replaced is kept at');
    expect(readdirSync(source).filter((f) => f.startsWith('imagegate.sqlite.before-restore-'))).toHaveLength(1);
    const again = await startGateway({ dataDir: source });
    try {
      expect(await again.balance(client.key)).toMatchObject({ available: 7_250_001, held: 0 });
      expect((await again.admin(`/v1/admin/ledger?account_id=${client.accountId}`)).body).toEqual(ledgerBefore);
    } finally {
      await again.close();
    }
  });

  it('refuses to restore over a database a gateway is running on, and leaves it as it was', async () => {
    const dataDir = tempDir();
    const gw = await startGateway({ dataDir });
    try {
      const backup = join(tempDir('imagegate-backup-'), 'b.sqlite');
      expect((await imagegate(['backup', backup], { IMAGEGATE_DATA_DIR: dataDir })).code).toBe(0);
      const client = await gw.clientKey({ balance: 3_000_000 });
      const run = await imagegate(['restore', backup], { IMAGEGATE_DATA_DIR: dataDir });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('a gateway is running on');
      expect(readdirSync(dataDir).filter((f) => f.includes('before-restore'))).toEqual([]);
      expect(await gw.balance(client.key)).toMatchObject({ available: 3_000_000 });
    } finally {
      await gw.close();
    }
  });

  it('refuses to restore a file that is not an imagegate database, and to overwrite an existing backup', async () => {
    const dir = tempDir();
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not a database at all, but long enough to have a header of sorts......................................');
    const target = tempDir();
    const run = await imagegate(['restore', junk], { IMAGEGATE_DATA_DIR: target });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/not a SQLite database|cannot be opened/);
    expect(existsSync(join(target, 'imagegate.sqlite'))).toBe(false);

    const source = tempDir();
    await (await startGateway({ dataDir: source })).close();
    const taken = await imagegate(['backup', junk], { IMAGEGATE_DATA_DIR: source });
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('exists: name a new file');
  });

  it('on PostgreSQL, refuses with the pg_dump and pg_restore commands, without the password', async () => {
    const run = await imagegate(['backup', join(tempDir(), 'x')], { DATABASE_URL: 'postgres://app:s3cret-pw@db.internal:5432/imagegate' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("pg_dump --format=custom --file=imagegate.dump 'postgres://app@db.internal:5432/imagegate'");
    expect(run.stderr).toContain('pg_restore');
    expect(run.stderr).not.toContain('s3cret-pw');
  });
});
