/**
 * The operator's CLI against a running gateway: what `keys create` says about money, `keys update`,
 * the request-log search, tasks, the width of tables, money in currency units, and the error that says
 * which gateway it could not reach. Each command runs as a separate process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { newTaskRow } from '../../src/tasks/store.js';
import { imagegate } from '../support/cli.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';

const PRICE = 40_000;
const OVERLAY = `models:\n  local:\n    price: { per_image: ${PRICE} }\n`;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ overlay: OVERLAY });
});
afterAll(async () => gw?.close());

const admin = () => ['--url', gw.url, '--admin-key', ADMIN_KEY];
const json = <T>(stdout: string) => JSON.parse(stdout) as T;

async function account(name: string, credit: number): Promise<string> {
  const r = await gw.admin('/v1/admin/accounts', { body: { name, credit } });
  return r.body.id as string;
}

// Each command is a fresh process that compiles the CLI from source: seconds apiece on a busy machine.
describe('imagegate CLI commands', { timeout: 120_000 }, () => {
  it('keys create names the account and, when it has nothing to spend, the command that adds credit', async () => {
    const id = await account('empty-shop', 0);
    const run = await imagegate([...admin(), 'keys', 'create', '--name', 'shop', '--account', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`account: empty-shop (${id})`);
    expect(run.stdout).toContain('0.00 USD to spend');
    expect(run.stdout).toContain('402');
    expect(run.stdout).toContain(`imagegate accounts credit ${id} <amount>`);
    expect(run.stdout).toContain(`/console/accounts/${id}`);
    expect(run.stdout).toMatch(/key: +sk-ig-\S+ +\(shown only now/);
  });

  it('keys create says what a funded account can spend in currency units, and keeps stdout pure JSON with --json', async () => {
    const id = await account('funded-shop', 12_500_000);
    const table = await imagegate([...admin(), 'keys', 'create', '--account', id, '--daily-cap', '2.5']);
    expect(table.stdout).toContain('The account can spend 12.50 USD');
    expect(table.stdout).toMatch(/spend_cap_day: +2\.50 USD/);

    const scripted = await imagegate([...admin(), '--json', 'keys', 'create', '--account', id]);
    expect(scripted.code).toBe(0);
    const created = json<{ key: string; account_id: string; spend_cap_day: number | null }>(scripted.stdout);
    expect(created.account_id).toBe(id);
    expect(created.key).toMatch(/^sk-ig-/);
    expect(scripted.stderr).toContain('The account can spend 12.50 USD');
  });

  it('keys update changes limits and lifts the model allowlist, and leaves what it is not given', async () => {
    const c = await gw.clientKey({ attrs: { name: 'before', models: ['local'], rpm: 5, ipm: 7 } });
    const run = await imagegate([...admin(), 'keys', 'update', c.keyId, '--name', 'after', '--rpm', '60', '--models', 'any', '--monthly-cap', '100']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/spend_cap_month: +100\.00 USD/);
    const k = (await gw.admin(`/v1/admin/keys/${c.keyId}`)).body;
    expect(k).toMatchObject({ name: 'after', rpm: 60, ipm: 7, models: null, spend_cap_month: 100_000_000 });

    const cleared = await imagegate([...admin(), 'keys', 'update', c.keyId, '--rpm', 'none']);
    expect(cleared.code).toBe(0);
    expect((await gw.admin(`/v1/admin/keys/${c.keyId}`)).body).toMatchObject({ rpm: null, ipm: 7 });

    const nothing = await imagegate([...admin(), 'keys', 'update', c.keyId]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to change');
  });

  it('requests list finds a refused request by key and status, and requests show says why', async () => {
    const c = await gw.clientKey({ balance: 0 });
    const refused = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', prompt: 'a red square' }),
    });
    expect(refused.status).toBe(402);
    const requestId = refused.headers.get('x-request-id')!;

    const listed = await imagegate([...admin(), '--json', 'requests', 'list', '--key', c.keyId, '--status', '402', '--since', '1h']);
    expect(listed.code).toBe(0);
    expect(json<{ data: Array<{ id: string }> }>(listed.stdout).data.map((r) => r.id)).toEqual([requestId]);

    const table = await imagegate([...admin(), 'requests', 'list', '--key', c.keyId]);
    expect(table.stdout).toMatch(new RegExp(`${requestId} +402 insufficient_balance +local`));

    const shown = await imagegate([...admin(), 'requests', 'show', requestId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status: +402 insufficient_balance/);
    expect(shown.stdout).toContain(c.accountId);
  });

  it('tasks list, show and cancel a running task; the cancel refunds its hold', async () => {
    const c = await gw.clientKey({ balance: 10 * PRICE });
    const taskId = newId('task');
    const row = newTaskRow({
      id: taskId,
      accountId: c.accountId,
      keyId: c.keyId,
      model: 'local',
      endpoint: '/v1/images/generations',
      job: '{}',
      holdId: null,
      quoted: PRICE,
      callbackUrl: null,
    });
    const store = gw.gateway.taskStore;
    // Leased by another instance: it stays running until cancelled.
    await gw.gateway.ledger.hold({
      accountId: c.accountId,
      keyId: c.keyId,
      requestId: 'req_test',
      model: 'local',
      amount: PRICE,
      owner: `task:${taskId}`,
      alongside: (holdId) =>
        store.insertWork({ ...row, hold_id: holdId, status: 'running', lease_owner: 'inst_elsewhere', lease_until: Date.now() + 3_600_000 }),
    });

    const listed = await imagegate([...admin(), 'tasks', 'list', '--status', 'running', '--account', c.accountId]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${taskId} +running +local +${c.accountId}`));

    const shown = await imagegate([...admin(), 'tasks', 'show', taskId]);
    expect(shown.stdout).toMatch(/hold: +0\.04 USD open/);

    const canceled = await imagegate([...admin(), '--json', 'tasks', 'cancel', taskId]);
    expect(canceled.code).toBe(0);
    expect(json<{ status: string; hold: { status: string } }>(canceled.stdout)).toMatchObject({ status: 'canceled', hold: { status: 'released' } });
    expect((await gw.admin(`/v1/admin/accounts/${c.accountId}`)).body.balance).toBe(10 * PRICE);
  });

  it('prints parseable JSON with --json for every reading command, money in micro-units', async () => {
    const c = await gw.clientKey({ balance: 1_500_000 });
    const reads = [
      ['models'],
      ['models', '--all'],
      ['keys', 'list'],
      ['keys', 'show', c.keyId],
      ['accounts', 'list'],
      ['accounts', 'show', c.accountId],
      ['users', 'list'],
      ['usage', '--group-by', 'model'],
      ['ledger', '--account', c.accountId],
      ['requests', 'list', '--limit', '3'],
      ['tasks', 'list'],
    ];
    for (const args of reads) {
      const run = await imagegate([...admin(), '--json', ...args]);
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(() => JSON.parse(run.stdout), args.join(' ')).not.toThrow();
    }
    const shown = await imagegate([...admin(), 'accounts', 'show', c.accountId, '--json']);
    expect(json<{ balance: number }>(shown.stdout).balance).toBe(1_500_000);
  }, 300_000);

  it('fits tables in 100 columns when piped: names are cut, ids never', async () => {
    const long = `a-very-long-account-name-${'x'.repeat(120)}`;
    const id = await account(long, 1_234_567_890);
    const run = await imagegate([...admin(), 'accounts', 'list', '--search', 'a-very-long']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(2);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    expect(lines[1]).toContain(id);
    expect(lines[1]).toContain('a-very-long-');
    expect(lines[1]).toContain('…');
    expect(lines[1]).toContain('1,234.56789 USD');
  });

  it('says which gateway it could not reach, where that URL came from, and how to set another', async () => {
    const fromEnv = await imagegate(['--admin-key', ADMIN_KEY, 'accounts', 'list'], { IMAGEGATE_URL: 'http://127.0.0.1:1' });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain('cannot reach the gateway at http://127.0.0.1:1 (from IMAGEGATE_URL)');
    expect(fromEnv.stderr).toContain('--url');

    const byDefault = await imagegate(['--admin-key', ADMIN_KEY, 'accounts', 'list'], { PORT: '1' });
    expect(byDefault.stderr).toContain('cannot reach the gateway at http://127.0.0.1:1 (the default; set --url or IMAGEGATE_URL');

    const help = await imagegate(['--help']);
    expect(help.stdout).toContain('--url <url>');
    expect(help.stdout).toContain('env: IMAGEGATE_URL');
  });

  it('ledger prints a table in currency units by default, JSON with --json and CSV with --csv, as its help says', async () => {
    const id = await account('ledger-shop', 12_500_000);
    const table = await imagegate([...admin(), 'ledger', '--account', id]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^created_at +account_id +kind +amount +balance_after +note/);
    expect(table.stdout).toMatch(/credit +12\.50 USD +12\.50 USD/);
    // Piped: no progress line on stderr.
    expect(table.stderr).toBe('');

    const scripted = await imagegate([...admin(), '--json', 'ledger', '--account', id]);
    expect(json<{ unit: string; data: Array<{ amount: number }> }>(scripted.stdout)).toMatchObject({ unit: 'micro', data: [{ amount: 12_500_000 }] });

    const help = (await imagegate(['ledger', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('a table with amounts in currency units');
    expect(help).toContain("the API's JSON with --json");
    expect(help).toContain('CSV with --csv');
  });
});
