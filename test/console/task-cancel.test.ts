/**
 * Cancelling a task from its console page: the button shows on a running task, asks first (Escape backs out),
 * and after the cancel the page says what went back to the account, read from the cancel's answer.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { newTaskRow } from '../../src/tasks/store.js';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { makeUser } from '../support/console.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const PRICE = 40_000;
const OVERLAY = 'models:\n  local:\n    price: { per_image: 40000 }\n';

describe.skipIf(noChromium)('console task page', () => {
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startGateway({ overlay: OVERLAY, consoleDir: await consoleBuild() });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** A task with its hold open, leased by another instance: running, and left so. */
  async function runningTask() {
    const c = await gw.clientKey({ balance: 10 * PRICE });
    const id = newId('task');
    const row = newTaskRow({
      id,
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
    await gw.gateway.ledger.hold({
      accountId: c.accountId,
      keyId: c.keyId,
      requestId: 'req_test',
      model: 'local',
      amount: PRICE,
      owner: `task:${id}`,
      alongside: (holdId) =>
        store.insertWork({ ...row, hold_id: holdId, status: 'running', lease_owner: 'inst_elsewhere', lease_until: Date.now() + 3_600_000 }),
    });
    return { ...c, taskId: id };
  }

  it('cancels a running task after a confirmation and shows the refund the cancel made', async () => {
    const operator = await makeUser(gw, { email: 'ops@example.test', role: 'operator' });
    const t = await runningTask();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${gw.url}/console/tasks/${t.taskId}`);
    await page.getByLabel('Email').fill(operator.email);
    await page.getByLabel('Password').fill(operator.password);
    await page.keyboard.press('Enter');
    await page.getByText('0.04 USD, held').waitFor();

    const cancel = page.getByRole('button', { name: 'Cancel task' });
    await cancel.click();
    await page.getByRole('dialog').getByText('0.04 USD held for it').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect((await gw.admin(`/v1/admin/tasks/${t.taskId}`)).body.status).toBe('running');

    await cancel.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel task' }).click();
    await page.getByText('Task canceled. 0.04 USD refunded to test.').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel task' }).count()).toBe(0);
    expect(await page.getByText('0.04 USD, refunded').count()).toBe(1);
    const after = (await gw.admin(`/v1/admin/tasks/${t.taskId}`)).body;
    expect(after).toMatchObject({ status: 'canceled', hold: { status: 'released', charged: 0 } });
    expect((await gw.admin(`/v1/admin/accounts/${t.accountId}`)).body).toMatchObject({ balance: 10 * PRICE, held: 0 });
  }, 60_000);
});
