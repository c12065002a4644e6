/**
 * `npm run screenshots`: starts a throwaway gateway with a fresh console build, seeds it through the admin
 * and image APIs (accounts, keys, money moves, requests that succeed, fail and are refused, a task), signs in
 * through the console in headless Chromium as a person would, and saves every page to docs/screenshots/
 * (1280 px wide) and to a temp folder (800 px wide, for checking the narrow layout; not committed). Every page
 * again in Chinese, to docs/screenshots/zh-CN/.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH); it never downloads a browser.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import pino from 'pino';
import { build } from 'vite';
import { loadConfig } from '../src/config/config.js';
import { createGateway } from '../src/gateway.js';

const OUT = 'docs/screenshots';
const ZH_OUT = `${OUT}/zh-CN`;
const NARROW_OUT = mkdtempSync(join(tmpdir(), 'imagegate-screenshots-800-'));
const ADMIN_KEY = `sk-ig-admin-${randomBytes(12).toString('hex')}`;
const OPERATOR = { email: 'ops@example.com', password: 'correct horse battery staple' };
const MEMBER = { email: 'maya@acme.example', password: 'correct horse battery staple' };
// A price on the offline renderer, so the pages have money to show.
const OVERLAY = 'models:\n  local:\n    price: { per_image: 40000 }\n';

async function main(): Promise<void> {
  const consoleDir = mkdtempSync(join(tmpdir(), 'imagegate-console-'));
  await build({ configFile: 'console/vite.config.ts', logLevel: 'warn', build: { outDir: consoleDir, emptyOutDir: true } });
  const config = loadConfig({
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    IMAGEGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'imagegate-shots-data-')),
    IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
    IMAGEGATE_LOG_LEVEL: 'silent',
    // Open sign-up, so the sign-in page offers it and the sign-up page can be shown.
    IMAGEGATE_SIGNUP: 'open',
    IMAGEGATE_PUBLIC_URL: undefined,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
  });
  const gateway = await createGateway(config, { logger: pino({ level: 'silent' }), catalogOverlayText: OVERLAY, consoleDir });
  const base = (await gateway.listen()).replace('localhost', '127.0.0.1');
  try {
    const ids = await seed(base);
    await shoot(base, ids);
  } finally {
    await gateway.close();
  }
  console.log(`Saved to ${OUT}/ (1280 px) and ${NARROW_OUT}/ (800 px).`);
}

async function call(base: string, path: string, body?: unknown, key = ADMIN_KEY, method?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function must(base: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(base, path, body);
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

interface Seeded {
  account: string;
  /** A client key of that account, for the playground (an operator has no account to make one in). */
  key: string;
  request: string;
  task: string | null;
  /** An unused top-up code, redeemed by the member on camera. */
  code: string;
}

async function seed(base: string): Promise<Seeded> {
  const accounts: Array<{ id: string; key: string }> = [];
  for (const [name, credit] of [
    ['Acme Studio', 50_000_000],
    ['Pixel Forge', 12_500_000],
    ['Northwind Print', 50_000],
  ] as const) {
    const a = await must(base, '/v1/admin/accounts', { name, credit });
    const k = await must(base, '/v1/admin/keys', { account_id: a.id, name: `${name} production`, rpm: 120, ipm: 60, spend_cap_day: 20_000_000 });
    await must(base, '/v1/admin/keys', { account_id: a.id, name: `${name} staging`, models: ['local'] });
    accounts.push({ id: String(a.id), key: String(k.key) });
  }
  const [acme, pixel, northwind] = accounts as [(typeof accounts)[0], (typeof accounts)[0], (typeof accounts)[0]];
  await must(base, `/v1/admin/accounts/${acme.id}/credit`, { amount: 10_000_000, note: 'Invoice 2041 paid' });
  await must(base, `/v1/admin/accounts/${pixel.id}/debit`, { amount: 2_000_000, note: 'Refund of a duplicate top-up' });

  let request = '';
  const gen = async (key: string, body: Record<string, unknown>) => {
    const res = await fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', size: '256x256', ...body }),
    });
    request ||= res.headers.get('x-request-id') ?? '';
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  for (const [i, prompt] of ['a lighthouse at dusk', 'a red bicycle', 'mountains in fog', 'a bowl of lemons', 'city at night'].entries()) {
    await gen(acme.key, { prompt, n: 1 + (i % 3) });
    await gen(pixel.key, { prompt: `${prompt}, watercolour` });
  }
  await gen(acme.key, { prompt: 'too large', size: '4096x4096' });
  await gen(northwind.key, { prompt: 'a poster', n: 4 });
  const task = await gen(acme.key, { prompt: 'a harbour at dawn', async: true, response_format: 'url' });
  // Members: one of Acme's, a key policy for its keys, an invite, and top-up codes (one voided).
  await must(base, '/v1/admin/users', { email: MEMBER.email, password: MEMBER.password, role: 'member', account_id: acme.id });
  const policy = await call(base, `/v1/admin/accounts/${acme.id}`, { key_policy: { models: ['local'], max_rpm: 60, max_ipm: 120 } }, ADMIN_KEY, 'PATCH');
  if (policy.status !== 200) throw new Error(`key policy: ${policy.status} ${JSON.stringify(policy.body)}`);
  await must(base, '/v1/admin/invites', { account_id: acme.id, email: 'sam@acme.example' });
  await must(base, '/v1/admin/invites', {});
  const batch = await must(base, '/v1/admin/topup-codes', { amount: 10_000_000, count: 4, note: 'Spring fair' });
  const codes = batch.codes as Array<{ id: string; code: string }>;
  await must(base, `/v1/admin/topup-codes/${codes[3]!.id}/void`, {});
  await must(base, '/v1/admin/topup-codes', { amount: 50_000_000, count: 2, note: 'Reseller, invoice 2055' });
  return { account: acme.id, key: acme.key, request, task: typeof task.body.id === 'string' ? task.body.id : null, code: codes[0]!.code };
}

/** Switches the console's language with its own switch (the page's, or the top bar's). */
async function chooseLanguage(page: Page, name: 'English' | '简体中文'): Promise<void> {
  await page.locator('.language select').selectOption({ label: name });
}

/** The page as it stands, again in Chinese, then back to English for the next steps. */
async function inChinese(page: Page, name: string): Promise<void> {
  mkdirSync(ZH_OUT, { recursive: true });
  await chooseLanguage(page, '简体中文');
  await page.screenshot({ path: `${ZH_OUT}/${name}.png` });
  await chooseLanguage(page, 'English');
}

/** Waits until the page has no pending request and no loading note left. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('[role="status"]'), undefined, { timeout: 10_000 });
}

async function shoot(base: string, ids: Seeded): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));

    // Sign in as a person would: the admin key first, which asks for the first operator.
    await page.goto(`${base}/console/`);
    await settle(page);
    await page.screenshot({ path: `${OUT}/sign-in.png` });
    await inChinese(page, 'sign-in');
    await page.getByRole('button', { name: 'Use the admin key instead' }).click();
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Create the first operator' }).waitFor();
    await page.screenshot({ path: `${OUT}/first-operator.png` });
    await inChinese(page, 'first-operator');
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Create operator and sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    const pages: Array<[name: string, path: string]> = [
      ['overview', '/'],
      ['accounts', '/accounts'],
      ['account', `/accounts/${encodeURIComponent(ids.account)}`],
      ['keys', '/keys'],
      ['usage', '/usage?group_by=model'],
      ['requests', '/requests'],
      ['request', `/requests/${encodeURIComponent(ids.request)}`],
      ['tasks', '/tasks'],
      ...(ids.task ? ([['task', `/tasks/${encodeURIComponent(ids.task)}`]] as Array<[string, string]>) : []),
      ['models', '/models'],
      ['users', '/users'],
      ['audit', '/audit'],
      ['invites', '/invites'],
      ['topup-codes', '/topup-codes'],
    ];
    for (const [width, dir, lang] of [
      [1280, OUT, 'English'],
      [800, NARROW_OUT, 'English'],
      [1280, ZH_OUT, '简体中文'],
      [800, join(NARROW_OUT, 'zh-CN'), '简体中文'],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      await page.setViewportSize({ width, height: 860 });
      await chooseLanguage(page, lang);
      for (const [name, path] of pages) {
        await page.goto(`${base}/console${path}`);
        await settle(page);
        // The whole page, up to a height that keeps the committed pictures small.
        const height = Math.min(1400, await page.evaluate(() => document.documentElement.scrollHeight));
        await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true, clip: { x: 0, y: 0, width, height } });
      }
    }
    await chooseLanguage(page, 'English');
    // First load of a signed-in console on loopback, cold cache: the page until the overview's figures are in.
    // A new context: the session cookie, but an empty HTTP cache.
    const cold = await browser.newContext({ viewport: { width: 1280, height: 860 }, storageState: await context.storageState() });
    const fresh = await cold.newPage();
    const started = performance.now();
    await fresh.goto(`${base}/console/`);
    await fresh.getByText('Open holds').waitFor();
    console.log(`First load of the overview: ${Math.round(performance.now() - started)} ms.`);
    await cold.close();

    // A dialog: creating a key, with every attribute.
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${base}/console/keys`);
    await settle(page);
    await page.getByRole('button', { name: 'New key' }).click();
    await page.screenshot({ path: `${OUT}/key-create.png` });
    await page.keyboard.press('Escape');
    // The contract dialog of a model, read from the admin model list.
    await page.goto(`${base}/console/models`);
    await settle(page);
    await page.getByRole('button', { name: 'Contract of local' }).click();
    await page.getByRole('dialog').waitFor();
    await page.screenshot({ path: `${OUT}/model-contract.png` });
    await page.keyboard.press('Escape');
    await shootPlayground(page, base, ids.key);
    // A batch of top-up codes, shown this once.
    await page.goto(`${base}/console/topup-codes`);
    await settle(page);
    await page.getByRole('button', { name: 'Generate codes' }).click();
    await page.getByLabel('Amount per code (USD)').fill('20');
    await page.getByLabel('Number of codes').fill('5');
    await page.getByLabel('Note').fill('Newsletter giveaway');
    await page.getByRole('dialog').getByRole('button', { name: 'Generate codes' }).click();
    await page.getByLabel('Codes', { exact: true }).waitFor();
    await page.screenshot({ path: `${OUT}/topup-codes-batch.png` });
    await page.keyboard.press('Escape');

    await shootMember(base, ids, page);
    if (errors.length) console.warn(`Browser errors:\n${errors.join('\n')}`);
  } finally {
    await browser.close();
  }
}

/** Sign-up, then a member's own pages, signed in as a member of Acme who redeems a code first. */
async function shootMember(base: string, ids: Seeded, page: Page): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto(`${base}/console/sign-up`);
  await settle(page);
  await page.screenshot({ path: `${OUT}/sign-up.png` });
  await page.goto(`${base}/console/`);
  await page.getByLabel('Email').fill(MEMBER.email);
  await page.getByLabel('Password').fill(MEMBER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Top up' }).click();
  await page.getByLabel('Top-up code').fill(ids.code);
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.getByText('Your balance is now').waitFor();
  // Not settle(): the redemption's own note is a status line, and it stays.
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `${OUT}/member-top-up.png` });
  await page.getByLabel('Top-up code').fill(ids.code);
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.getByRole('alert').waitFor();
  await page.screenshot({ path: `${OUT}/member-redeem-refused.png` });

  const pages: Array<[name: string, path: string]> = [
    ['member-home', '/'],
    ['member-keys', '/keys'],
    ['member-requests', '/requests'],
    ['member-request', `/requests/${encodeURIComponent(ids.request)}`],
    ['member-tasks', '/tasks'],
    ...(ids.task ? ([['member-task', `/tasks/${encodeURIComponent(ids.task)}`]] as Array<[string, string]>) : []),
    ['member-top-up-ledger', '/top-up'],
  ];
  for (const [width, dir, language] of [
    [1280, OUT, 'English'],
    [800, NARROW_OUT, 'English'],
    [1280, ZH_OUT, '简体中文'],
  ] as const) {
    await page.setViewportSize({ width, height: 860 });
    mkdirSync(dir, { recursive: true });
    for (const [name, path] of pages) {
      await page.goto(`${base}/console${path}`);
      await settle(page);
      await chooseLanguage(page, language);
      const height = Math.min(1400, await page.evaluate(() => document.documentElement.scrollHeight));
      await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true, clip: { x: 0, y: 0, width, height } });
    }
  }
  await chooseLanguage(page, 'English');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${base}/console/keys`);
  await settle(page);
  await page.getByRole('button', { name: 'New key' }).click();
  await page.screenshot({ path: `${OUT}/member-key-create.png` });
  await page.keyboard.press('Escape');
}

/** The playground: a text-to-image run, then an edit with a mask painted over one of its images. */
async function shootPlayground(page: Page, base: string, key: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${base}/console/playground`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
  await page.getByLabel('Model').selectOption('local');
  await page.getByLabel('Prompt').fill('a lighthouse at dusk, watercolour');
  await page.getByLabel('n', { exact: true }).fill('3');
  await page.getByLabel('size', { exact: true }).fill('512x512');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('img', { name: 'Result image 3' }).waitFor();
  await page.screenshot({ path: `${OUT}/playground.png`, fullPage: true });
  await page.setViewportSize({ width: 800, height: 860 });
  await page.screenshot({ path: `${NARROW_OUT}/playground.png`, fullPage: true });

  await page.setViewportSize({ width: 1280, height: 860 });
  const photo = Buffer.from((await page.getByRole('img', { name: 'Result image 1' }).getAttribute('src'))!.split(',')[1]!, 'base64');
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.getByLabel('Image', { exact: true }).setInputFiles({ name: 'lighthouse.png', mimeType: 'image/png', buffer: photo });
  const canvas = page.locator('.painter canvas');
  await canvas.waitFor();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.35);
  await page.mouse.down();
  for (const [x, y] of [
    [0.5, 0.3],
    [0.65, 0.45],
    [0.55, 0.6],
    [0.35, 0.55],
  ] as const)
    await page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 8 });
  await page.mouse.up();
  await page.getByLabel('Prompt').fill('a full moon in the sky');
  await page.screenshot({ path: `${OUT}/playground-edit.png`, fullPage: true });
  await inChinese(page, 'playground-edit');
  await page.setViewportSize({ width: 800, height: 860 });
  await page.screenshot({ path: `${NARROW_OUT}/playground-edit.png`, fullPage: true });
}

await main();
