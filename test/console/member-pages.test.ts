/**
 * Members in a real browser: sign-up (open, and through an invite an operator made in the console), a top-up
 * code redeemed and the balance it adds, a key made in the console that works on the API, another account's
 * records refused, and an operator generating codes. A member's pages never call the admin API.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { makeUser } from '../support/console.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

// The offline renderer at a price, so requests cost money; no task workers, so an async task stays pending.
const OVERLAY = 'models:\n  local:\n    price: { per_image: 40000 }\n';
const PASSWORD = 'correct horse battery staple';

describe.skipIf(noChromium)('the console for members', () => {
  let gw: TestGateway;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let adminCalls: string[] = [];
  let n = 0;
  const email = (what: string) => `${what}${++n}@example.test`;

  beforeAll(async () => {
    gw = await startGateway({ consoleDir: await consoleBuild(), overlay: OVERLAY, env: { IMAGEGATE_SIGNUP: 'open', IMAGEGATE_SIGNUP_CREDIT: '2500000' } });
    browser = await launchChromium();
    // An operator exists, so no session is asked to create the first one.
    await makeUser(gw, { email: 'ops@example.test', password: PASSWORD, role: 'operator' });
  }, 120_000);
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('request', (r) => new URL(r.url()).pathname.startsWith('/v1/admin/') && adminCalls.push(r.url()));
    return page;
  }

  async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
    await page.goto(`${gw.url}/console/`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** A member of a new account with `balance` micro-units, signed in. */
  async function member(balance = 0): Promise<{ page: Page; accountId: string; email: string }> {
    const acct = await gw.admin('/v1/admin/accounts', { body: { name: `acme ${++n}`, credit: balance } });
    const user = await makeUser(gw, { email: email('member'), role: 'member', account_id: acct.body.id });
    const page = await newPage();
    await signIn(page, user);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Top up' }).waitFor();
    return { page, accountId: acct.body.id as string, email: user.email };
  }

  it('signs a person up in open mode from the sign-in page, with the sign-up credit on their new account', async () => {
    adminCalls = [];
    const page = await newPage();
    await page.goto(`${gw.url}/console/`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your imagegate account' }).waitFor();
    const who = email('open');
    await page.getByLabel('Email').fill(who);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: who }).waitFor();
    expect(await page.locator('dd').first().textContent()).toContain('2.50');
    expect(new URL(page.url()).pathname).toBe('/console/');
    expect(adminCalls).toEqual([]);
  }, 60_000);

  it('lets an operator make an invite in the console whose link signs a person up into that account', async () => {
    const acct = await gw.admin('/v1/admin/accounts', { body: { name: 'Invited Co', credit: 0 } });
    const ops = await newPage();
    await signIn(ops, { email: 'ops@example.test', password: PASSWORD });
    await ops.getByRole('heading', { name: 'Overview' }).waitFor();
    await ops.goto(`${gw.url}/console/invites`);
    await ops.getByRole('button', { name: 'New invite' }).click();
    await ops.getByLabel('Account to join').fill(acct.body.id);
    await ops.getByRole('button', { name: 'Create invite' }).click();
    const link = await ops.getByLabel('Invite link', { exact: true }).inputValue();
    expect(link).toMatch(/\/console\/sign-up\?invite=/);
    await ops.getByRole('button', { name: 'I have copied it' }).click();
    await ops.getByRole('cell', { name: 'Open' }).waitFor();

    adminCalls = [];
    const page = await newPage();
    await page.goto(link);
    await page.getByText('You were invited').waitFor();
    await page.getByLabel('Email').fill(email('invited'));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Invited Co' }).waitFor();
    expect(adminCalls).toEqual([]);

    await ops.reload();
    await ops.getByRole('cell', { name: 'Used' }).waitFor();
  }, 60_000);

  it('redeems a top-up code and shows the new balance and ledger entry; the same code again says it was redeemed', async () => {
    const { page } = await member(1_000_000);
    const batch = await gw.admin('/v1/admin/topup-codes', { body: { amount: 5_000_000, count: 1 } });
    const code = batch.body.codes[0].code as string;
    await page.getByRole('link', { name: 'Top up' }).click();
    await page.getByLabel('Top-up code').fill(code.toLowerCase());
    await page.getByRole('button', { name: 'Redeem' }).click();
    await page.getByText('5.00 USD added. Your balance is now 6.00 USD.').waitFor();
    await page.getByRole('cell', { name: 'top-up', exact: true }).waitFor();

    await page.getByLabel('Top-up code').fill(code);
    await page.getByRole('button', { name: 'Redeem' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This code was already redeemed');

    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByText('6.00 USD').first().waitFor();
  }, 60_000);

  it('creates a key in the console within the key policy whose secret calls the image API, and revokes it after asking', async () => {
    const { page, accountId } = await member(1_000_000);
    await gw.admin(`/v1/admin/accounts/${accountId}`, { method: 'PATCH', body: { key_policy: { models: ['local'], max_rpm: 30 } } });
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByText('Models: local').first().waitFor();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Name').fill('my app');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('Secret key', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('cell', { name: 'my app', exact: true }).waitFor();
    // Limits left empty took the policy's caps.
    await page.getByRole('cell', { name: '30', exact: true }).waitFor();

    const res = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', prompt: 'a lighthouse', size: '256x256' }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('link', { name: requestId }).click();
    await page.getByRole('heading', { name: `Request ${requestId}` }).waitFor();
    await page.getByText('0.04 USD').waitFor();

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Revoke my app' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('cell', { name: 'revoked', exact: true }).waitFor();
    const refused = await fetch(`${gw.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', prompt: 'a lighthouse', size: '256x256' }),
    });
    expect(refused.status).toBe(401);
  }, 60_000);

  it("refuses another account's request and task by id, and lists none of its tasks", async () => {
    const other = await gw.clientKey({ balance: 1_000_000 });
    const gen = (prefer?: string) =>
      fetch(`${gw.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.key}`, 'content-type': 'application/json', ...(prefer ? { prefer } : {}) },
        body: JSON.stringify({ model: 'local', prompt: 'theirs', size: '256x256' }),
      });
    const theirRequest = (await gen()).headers.get('x-request-id')!;
    const theirTask = ((await (await gen('respond-async')).json()) as { id: string }).id;
    expect(theirTask).toMatch(/^task_/);

    adminCalls = [];
    const { page } = await member();
    await page.goto(`${gw.url}/console/requests/${theirRequest}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not_found');
    await page.goto(`${gw.url}/console/tasks/${theirTask}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not_found');
    await page.goto(`${gw.url}/console/tasks`);
    await page.getByText('No task matches these filters.').waitFor();
    expect(adminCalls).toEqual([]);
  }, 60_000);

  it('lets an operator generate a batch of codes shown once, then lists them unused without their text', async () => {
    const ops = await newPage();
    await signIn(ops, { email: 'ops@example.test', password: PASSWORD });
    await ops.getByRole('heading', { name: 'Overview' }).waitFor();
    await ops.goto(`${gw.url}/console/topup-codes`);
    await ops.getByRole('button', { name: 'Generate codes' }).click();
    await ops.getByLabel('Amount per code (USD)').fill('2.5');
    await ops.getByLabel('Number of codes').fill('3');
    await ops.getByLabel('Note').fill('spring fair');
    await ops.getByRole('dialog').getByRole('button', { name: 'Generate codes' }).click();
    const codes = (await ops.getByLabel('Codes', { exact: true }).inputValue()).split('\n');
    expect(codes).toHaveLength(3);
    for (const c of codes) expect(c).toMatch(/^IG-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    const [download] = await Promise.all([ops.waitForEvent('download'), ops.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = await (await download.createReadStream()).toArray();
    const text = Buffer.concat(csv).toString('utf8');
    expect(text.split('\n')[0]).toBe('id,code,batch_id,amount,expires_at,note');
    for (const c of codes) expect(text).toContain(c);
    await ops.getByRole('button', { name: 'I have copied it' }).click();

    await expect.poll(() => ops.getByRole('cell', { name: 'spring fair' }).count()).toBe(3);
    expect(await ops.locator('table').textContent()).not.toContain(codes[0]!.slice(8));
  }, 60_000);
});

describe.skipIf(noChromium)('the sign-in page when sign-up takes invites only', () => {
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startGateway({ consoleDir: await consoleBuild(), env: { IMAGEGATE_SIGNUP: 'invite' } });
    browser = await launchChromium();
    await makeUser(gw, { email: 'ops@example.test', password: PASSWORD, role: 'operator' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('offers sign-up only to a link with an invite, and shows why an unknown invite is refused', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${gw.url}/console/`);
      await page.waitForLoadState('networkidle');
      await page.getByRole('heading', { name: 'Sign in to imagegate' }).waitFor();
      expect(await page.getByRole('link', { name: 'Create an account' }).count()).toBe(0);

      await page.goto(`${gw.url}/console/?invite=igi_not-a-real-invite`);
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByText('You were invited').waitFor();
      expect(new URL(page.url()).searchParams.get('invite')).toBe('igi_not-a-real-invite');
      await page.getByLabel('Email').fill('someone@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^invite: .*not_found/);
    } finally {
      await context.close();
    }
  }, 60_000);
});
