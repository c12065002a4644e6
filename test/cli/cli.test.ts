/**
 * The `imagegate` CLI against a running gateway: each command is run as a user runs it (a separate process,
 * arguments and environment), and what it prints and what it changed are checked.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `imagegate <args>` from the sources (tsx), as `npx imagegate` would run the build. */
function imagegate(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, env: { ...process.env, IMAGEGATE_ADMIN_KEY: undefined, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw?.close());

// Each command is a fresh process that compiles the CLI from source: seconds apiece on a busy machine.
describe('imagegate CLI', { timeout: 120_000 }, () => {
  const admin = () => ['--url', gw.url, '--admin-key', ADMIN_KEY, '--json'];

  it('creates an account with credit in currency units, credits it exactly, and lists it in the ledger export', async () => {
    const created = await imagegate([...admin(), 'accounts', 'create', 'acme', '--credit', '12.5']);
    expect(created.code).toBe(0);
    const account = JSON.parse(created.stdout) as { id: string; balance: number };
    expect(account.balance).toBe(12_500_000);

    const credited = await imagegate([...admin(), 'accounts', 'credit', account.id, '0.000001', '--note', 'one micro']);
    expect(credited.code).toBe(0);
    const shown = await gw.admin(`/v1/admin/accounts/${account.id}`);
    expect(shown.body.balance).toBe(12_500_001);

    const csv = await imagegate(['--url', gw.url, '--admin-key', ADMIN_KEY, 'ledger', '--account', account.id, '--csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toContain('one micro');
    expect(csv.stdout.trim().split('\n').length).toBe(3); // header, the initial credit, the credit
  });

  it('creates a key for an account that the gateway then accepts, and revokes it', async () => {
    const account = JSON.parse((await imagegate([...admin(), 'accounts', 'create', 'keyed', '--credit', '1'])).stdout) as { id: string };
    const made = await imagegate([...admin(), 'keys', 'create', '--name', 'app', '--account', account.id, '--models', 'local', '--rpm', '60']);
    expect(made.code).toBe(0);
    const key = JSON.parse(made.stdout) as { id: string; key: string };
    const models = () => fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key.key}` } });
    expect((await models()).status).toBe(200);

    expect((await imagegate([...admin(), 'keys', 'revoke', key.id])).code).toBe(0);
    expect((await models()).status).toBe(401);
  });

  it('lists admin keys only with --admin, each with the key that created it', async () => {
    const client = await gw.clientKey();
    const minted = JSON.parse((await imagegate([...admin(), 'keys', 'create', '--name', 'minted-admin', '--admin'])).stdout) as {
      id: string;
      created_by: string;
    };
    const bootstrapKey = (await gw.gateway.keys.authenticate(ADMIN_KEY))!;
    expect(minted.created_by).toBe(bootstrapKey.id);

    const listed = await imagegate([...admin(), 'keys', 'list', '--admin']);
    expect(listed.code).toBe(0);
    const rows = (JSON.parse(listed.stdout) as { data: Array<{ id: string; admin: boolean; created_by: string | null }> }).data;
    expect(rows.every((k) => k.admin)).toBe(true);
    expect(rows.map((k) => k.id)).not.toContain(client.keyId);
    expect(rows.find((k) => k.id === minted.id)?.created_by).toBe(bootstrapKey.id);
    expect(rows.find((k) => k.id === bootstrapKey.id)?.created_by).toBeNull();

    const table = await imagegate(['--url', gw.url, '--admin-key', ADMIN_KEY, 'keys', 'list', '--admin']);
    expect(table.stdout).toContain('created_by');
    expect(table.stdout).toContain('minted-admin');
    expect(table.stdout).not.toContain(client.keyId);
  }, 60_000);

  it('takes the admin key from IMAGEGATE_ADMIN_KEY and prints lists as a table', async () => {
    await gw.admin('/v1/admin/accounts', { body: { name: 'listed-by-cli' } });
    const listed = await imagegate(['--url', gw.url, 'accounts', 'list'], { IMAGEGATE_ADMIN_KEY: ADMIN_KEY });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('listed-by-cli');
    expect(listed.stdout.split('\n')[0]).toMatch(/^id +name +balance +held/);
  });

  it('refuses an amount with more than six decimals, before calling the gateway', async () => {
    const run = await imagegate([...admin(), 'accounts', 'create', 'bad', '--credit', '1.0000001']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('must be an amount like 10 or 12.345678');
    const names = ((await gw.admin('/v1/admin/accounts')).body.data as Array<{ name: string }>).map((a) => a.name);
    expect(names).not.toContain('bad');
  });

  it('says what is missing: the admin key, or a gateway to talk to', async () => {
    const noKey = await imagegate(['--url', gw.url, 'models']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('an admin key is needed');
    const noGateway = await imagegate(['--url', 'http://127.0.0.1:9', '--admin-key', ADMIN_KEY, 'models']);
    expect(noGateway.code).toBe(1);
    expect(noGateway.stderr).toContain('cannot reach the gateway at http://127.0.0.1:9');
  });

  it("prints the gateway's error message for a refused call", async () => {
    const run = await imagegate([...admin(), 'accounts', 'debit', 'acct_missing', '1', '--note', 'test']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('imagegate: 404: No account "acct_missing"');
  });
});
