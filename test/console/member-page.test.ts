/**
 * A member of an account signed in to the console: the operator pages are not theirs (the admin API refuses
 * them), so every console path shows one page that says so, with no operator navigation and no admin calls.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { makeUser } from '../support/console.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

describe.skipIf(noChromium)('console for a member', () => {
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startGateway({ consoleDir: await consoleBuild() });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('shows a member one operators-only page at every path, without operator navigation or admin API calls, and signs out', async () => {
    // An operator must exist, or the console would ask for the first one.
    await makeUser(gw, { email: 'ops@example.test', role: 'operator' });
    const { accountId } = await gw.clientKey();
    const member = await makeUser(gw, { email: 'member@example.test', role: 'member', account_id: accountId });
    const page = await (await browser.newContext()).newPage();
    const adminCalls: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname.startsWith('/v1/admin/') && adminCalls.push(r.url()));

    await page.goto(`${gw.url}/console/keys`);
    await page.getByLabel('Email').fill(member.email);
    await page.getByLabel('Password').fill(member.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Operators only, for now' }).waitFor();
    for (const path of ['/', '/accounts', '/requests/req_x', '/no-such-page']) {
      await page.goto(`${gw.url}/console${path}`);
      await page.getByRole('heading', { name: 'Operators only, for now' }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('navigation').count(), path).toBe(0);
      expect(await page.getByRole('alert').count(), path).toBe(0);
    }
    expect(await page.getByText(member.email).count()).toBe(1);
    expect(adminCalls).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to imagegate' }).waitFor();
  }, 60_000);
});
