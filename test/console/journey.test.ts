/**
 * An operator's first session in the console, in Debian's Chromium: sign in with the admin key and create
 * the operator, sign in with the password, open an account with credit and a key, watch that key's requests
 * arrive, move money with a reason, revoke the key, cancel a task. Then the refusals a browser must meet:
 * a mutation without the CSRF token, an expired session, a member at operator pages.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { ADMIN_KEY, postJson, startGateway, type TestGateway } from '../support/gateway.js';

const OPERATOR = { email: 'ops@example.test', password: 'correct horse battery staple' };
// The offline renderer at a price, so requests cost money; no task workers, so an async task stays pending.
const OVERLAY = 'models:\n  local:\n    price: { per_image: 40000 }\n';

describe.skipIf(noChromium)('the console in a browser: an operator’s first session', () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const made: { accountId?: string; keyId?: string; secret?: string; taskId?: string } = {};

  beforeAll(async () => {
    gw = await startGateway({ overlay: OVERLAY, consoleDir: await consoleBuild(), env: { IMAGEGATE_WORKERS: '0' } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);
  // A failed step leaves the page it saw, to look at.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    const path = join(tmpdir(), `imagegate-journey-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}.png`);
    await page.screenshot({ path, fullPage: true });
    console.error(`[journey] the page at the failure: ${path}`);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const open = (path: string) => page.goto(`${gw.url}/console${path}`);
  const heading = (name: string | RegExp) => page.getByRole('heading', { name, level: 1 });
  const generate = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(`${gw.url}/v1/images/generations`, made.secret, { model: 'local', size: '256x256', ...body }, headers);
  const account = async () => (await gw.admin(`/v1/admin/accounts/${made.accountId}`)).body as { balance: number; held: number };

  it('signs in with the admin key and creates the first operator, who is then signed in', async () => {
    await open('/');
    await page.getByRole('button', { name: 'Use the admin key instead' }).click();
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => heading('Create the first operator').count()).toBe(1);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Create operator and sign in' }).click();
    await page.getByText(`Signed in as ${OPERATOR.email}`).waitFor();
    const users = await gw.admin('/v1/admin/users');
    expect(users.body.data).toEqual([expect.objectContaining({ email: OPERATOR.email, role: 'operator' })]);
  });

  it('signs out, and back in with the password', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading('Sign in to imagegate').waitFor();
    // The session is gone on the server too: the cookie no longer opens anything.
    expect(await page.evaluate(() => fetch('/v1/console/session').then((r) => r.status))).toBe(401);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${OPERATOR.email}`).waitFor();
  });

  it('creates an account with opening credit, and a key for it whose secret is shown once', async () => {
    await open('/accounts');
    await page.getByRole('button', { name: 'New account' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('Journey Studio');
    await dialog.getByLabel('Opening credit').fill('0.1');
    await page.getByRole('button', { name: 'Create account' }).click();
    // Creating opens the new account's page.
    await heading('Journey Studio').waitFor();
    made.accountId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    expect(await account()).toMatchObject({ balance: 100_000, held: 0 });

    await open('/keys');
    await page.getByRole('button', { name: 'New key' }).click();
    await dialog.getByLabel('Account id').fill(made.accountId);
    await dialog.getByLabel('Name', { exact: true }).fill('journey key');
    await page.getByRole('button', { name: 'Create key' }).click();
    made.secret = await page.getByRole('textbox', { name: 'Secret key', exact: true }).inputValue();
    expect(made.secret).toMatch(/^sk-/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const keys = await gw.admin(`/v1/admin/keys?account_id=${made.accountId}`);
    made.keyId = keys.body.data[0].id;
    expect(keys.body.data).toEqual([expect.objectContaining({ name: 'journey key', status: 'active' })]);
  });

  it("shows the key's requests — a success, a 400 and a refusal for balance — in Requests, Usage and Overview", async () => {
    expect((await generate({ prompt: 'a lighthouse at dusk' })).status).toBe(200);
    expect((await generate({ prompt: 'bad size', size: '1024 x 1024' })).status).toBe(400);
    expect((await generate({ prompt: 'three at once', n: 3 })).status).toBe(402);
    expect(await account()).toMatchObject({ balance: 60_000, held: 0 });

    await open(`/requests?key_id=${made.keyId}`);
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));
    for (const status of ['200', '400', '402']) expect(statuses.some((t) => t.includes(status))).toBe(true);
    await rows.filter({ hasText: '400' }).getByRole('link').first().click();
    // The detail says what was wrong, and shows what was sent.
    await page.getByText(/size/).first().waitFor();
    await page.getByText('1024 x 1024').first().waitFor();

    await open(`/usage?account_id=${made.accountId}&group_by=model`);
    const byModel = page.locator('table tbody tr').filter({ has: page.getByRole('cell', { name: 'local', exact: true }) });
    await byModel.waitFor();
    // The offline renderer reports no tokens: each token column counts 0.
    expect(await byModel.locator('td').allTextContents()).toEqual(['local', '3', '1', '1', '0.04 USD', '0', '0', '0', '0']);

    await open('/');
    await heading('Overview').waitFor();
    await page.getByText('Requests').first().waitFor();
  });

  it('credits and debits with a reason, and shows both in the ledger and the audit log', async () => {
    await open(`/accounts/${made.accountId}`);
    await page.getByRole('button', { name: 'Credit' }).click();
    await page.getByLabel(/^Amount/).fill('2');
    await page.getByLabel('Reason').fill('welcome bonus');
    await page.getByRole('button', { name: 'Add credit' }).click();
    await page.getByRole('cell', { name: 'welcome bonus' }).waitFor();
    await page.getByRole('button', { name: 'Debit' }).click();
    await page.getByLabel(/^Amount/).fill('0.5');
    await page.getByLabel('Reason').fill('refund reversed');
    await page.getByRole('button', { name: 'Debit', exact: true }).last().click();
    await page.getByRole('cell', { name: 'refund reversed' }).waitFor();
    expect(await account()).toMatchObject({ balance: 1_560_000 });

    await open('/audit');
    await page.getByText('welcome bonus').waitFor();
    await page.getByText('refund reversed').waitFor();
    const audit = await gw.admin(`/v1/admin/audit?target_id=${made.accountId}`);
    const moves = (audit.body.data as Array<{ action: string; amount: number; actor: string }>).filter((e) => e.action !== 'account.create');
    const operatorId = (await gw.admin('/v1/admin/users')).body.data[0].id;
    expect(moves.map((e) => [e.action, e.amount, e.actor])).toEqual([
      ['account.debit', -500_000, operatorId],
      ['account.credit', 2_000_000, operatorId],
    ]);
  });

  it('cancels a pending task from its page and refunds its hold', async () => {
    const submitted = await generate({ prompt: 'later, please' }, { prefer: 'respond-async' });
    expect(submitted.status).toBe(202);
    made.taskId = submitted.body.id;
    expect(await account()).toMatchObject({ held: 40_000 });

    await open('/tasks');
    await page.getByRole('link', { name: made.taskId }).click();
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel task' }).click();
    await page.getByText('canceled').first().waitFor();
    expect(await account()).toMatchObject({ balance: 1_560_000, held: 0 });
  });

  it('revokes the key from the keys page, and the API refuses it from then on', async () => {
    await open('/keys');
    await page.getByRole('button', { name: 'Revoke journey key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(async () => (await gw.admin(`/v1/admin/keys/${made.keyId}`)).body.status).toBe('revoked');
    const refused = await generate({ prompt: 'after revoke' });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid_api_key');
  });

  it('refuses a change sent with the session cookie but without the CSRF token', async () => {
    const status = await page.evaluate(() =>
      fetch('/v1/admin/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"forged"}' }).then((r) => r.status),
    );
    expect(status).toBe(403);
    const all = await gw.admin('/v1/admin/accounts?q=forged');
    expect(all.body.data).toEqual([]);
  });

  it('sends a browser whose session expired back to sign-in', async () => {
    await gw.gateway.db.kysely
      .updateTable('console_sessions')
      .set({ expires_at: Date.now() - 1000 })
      .execute();
    await open('/accounts');
    await heading('Sign in to imagegate').waitFor();
  });

  it("keeps a member out of the operator's pages and the admin API", async () => {
    const member = { email: 'member@example.test', password: 'a member password' };
    const made201 = await gw.admin('/v1/admin/users', { body: { ...member, role: 'member', account_id: made.accountId } });
    expect(made201.status).toBe(201);
    const memberContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    memberContext.setDefaultTimeout(10_000);
    try {
      const p = await memberContext.newPage();
      await p.goto(`${gw.url}/console/accounts`);
      await p.getByLabel('Email').fill(member.email);
      await p.getByLabel('Password').fill(member.password);
      await p.getByRole('button', { name: 'Sign in' }).click();
      // A member's own console: their navigation, no operator pages, even at an operator's path.
      await p.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Top up' }).waitFor();
      expect(await p.getByRole('link', { name: 'Accounts' }).count()).toBe(0);
      expect(await p.evaluate(() => fetch('/v1/admin/accounts').then((r) => r.status))).toBe(403);
    } finally {
      await memberContext.close();
    }
  });
});
