/**
 * The console in two languages, in Debian's Chromium: the switch on the sign-in page and in the top bar, the
 * pages, their tables and their formatted dates and money in Chinese, the choice kept over a reload, and back
 * to English. Then every page in Chinese, read for English words left outside the message tables.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

const OPERATOR = { email: 'ops@example.test', password: 'a long enough operator password' };
const OVERLAY = 'models:\n  local:\n    price: { per_image: 40000 }\n';

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('[role="status"]'), undefined, { timeout: 10_000 });
}

/**
 * The page's words as a person meets them (text, and the accessible names, titles and placeholders of
 * elements), without what is not the console's to translate: codes and JSON (in <code> and <pre>), the
 * server's own error messages, an audit entry's recorded field values, ids, email addresses and URLs. The language
 * select is left out too: each language is named in itself there.
 */
function englishWords(page: Page, allowed: string[]): Promise<string[]> {
  return page.evaluate((allowedWords) => {
    const body = document.body.cloneNode(true) as HTMLElement;
    for (const el of Array.from(body.querySelectorAll('code, pre, script, style, .error-message, [role="alert"], .diff, select'))) el.remove();
    const attributes = Array.from(body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')).flatMap((el) =>
      ['aria-label', 'title', 'placeholder', 'alt'].map((a) => el.getAttribute(a) ?? ''),
    );
    // Text node by text node: adjacent cells and labels must not run together into one word.
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const texts: string[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n.textContent ?? '');
    const text = [...texts, ...attributes]
      .join(' ')
      // Ids (`acct_0mx…-rbmX…`) may hold letters after a dash: taken out whole, like emails and URLs.
      .replace(/\S+@\S+|https?:\/\/\S+|\b[a-z]+_[\w-]+/g, ' ');
    const allow = new Set(allowedWords.map((w) => w.toLowerCase()));
    return [...new Set(text.match(/\b[A-Za-z]{4,}\b/g) ?? [])].filter((w) => !allow.has(w.toLowerCase()));
  }, allowed);
}

describe.skipIf(noChromium)('the console in English and Chinese, in Chromium', () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let accountId: string;
  let requestId: string;
  let taskId: string;

  beforeAll(async () => {
    gw = await startGateway({ overlay: OVERLAY, consoleDir: await consoleBuild(), env: { IMAGEGATE_WORKERS: '0' } });
    // Names and notes people typed are theirs, not the console's: Chinese ones keep the word check simple.
    const account = await gw.admin('/v1/admin/accounts', { body: { name: '星河工作室', credit: 0 } });
    accountId = account.body.id as string;
    await gw.admin(`/v1/admin/accounts/${accountId}/credit`, { body: { amount: 10_000_000, note: '开户额度' } });
    const key = await gw.admin('/v1/admin/keys', { body: { name: '生产', account_id: accountId } });
    const gen = await postJson(`${gw.url}/v1/images/generations`, key.body.key as string, { model: 'local', prompt: 'a lighthouse', size: '256x256' });
    requestId = gen.headers.get('x-request-id')!;
    await postJson(`${gw.url}/v1/images/generations`, key.body.key as string, { model: 'local', prompt: 'too large', size: '4096x4096' });
    const task = await postJson(`${gw.url}/v1/images/generations`, key.body.key as string, {
      model: 'local',
      prompt: 'a harbour',
      size: '256x256',
      async: true,
    });
    taskId = (task.body as { id: string }).id;
    await gw.admin(`/v1/admin/accounts/${accountId}/credit`, { body: { amount: 1_000_000, note: '发票 7 已付' } });
    await gw.admin('/v1/admin/users', { body: { ...OPERATOR, role: 'operator' } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const heading = (name: string) => page.getByRole('heading', { name, level: 1, exact: true });

  it('switches the sign-in page to Chinese and signs in with the Chinese form', async () => {
    await page.goto(`${gw.url}/console/`);
    await heading('Sign in to imagegate').waitFor();
    await page.getByLabel('Language').selectOption({ label: '简体中文' });
    await heading('登录 imagegate').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await englishWords(page, ['imagegate'])).toEqual([]);
    await page.getByLabel('邮箱').fill(OPERATOR.email);
    await page.getByLabel('密码').fill(OPERATOR.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await heading('概览').waitFor();
  });

  it('shows the navigation, a page title, a table header and formatted dates and money in Chinese', async () => {
    const nav = page.getByRole('navigation', { name: '控制台' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      '概览',
      '账户',
      '密钥',
      '用量',
      '请求',
      '任务',
      '模型',
      '用户',
      '审计日志',
      '邀请',
      '充值码',
    ]);
    await nav.getByRole('link', { name: '账户' }).click();
    await heading('账户').waitFor();
    await page.getByRole('link', { name: '星河工作室' }).click();
    await heading('星河工作室').waitFor();
    await settle(page);
    const ledger = page.getByRole('table', { name: '账本记录' });
    expect(await ledger.locator('th').allTextContents()).toEqual(['时间', '类型', '金额', '实扣', '变动后余额', '交易', '备注']);
    const newest = ledger.locator('tbody tr').first().locator('td');
    expect(await newest.nth(0).textContent()).toMatch(/^\d{1,2}月\d{1,2}日/);
    expect(await newest.nth(1).textContent()).toBe('充值');
    expect(await newest.nth(2).textContent()).toBe('1.00 美元');
    // 10 + 1 credited, 0.04 charged for the first image and 0.04 held for the pending task.
    expect(await page.locator('.facts').getByText('10.92 美元', { exact: true }).count()).toBe(1);
  });

  it('keeps Chinese over a reload', async () => {
    await page.reload();
    await heading('星河工作室').waitFor();
    expect(await page.getByLabel('语言').inputValue()).toBe('zh-CN');
  });

  it('shows no English word outside ids, codes and model names on any page in Chinese', async () => {
    const models = (await gw.admin('/v1/admin/models')).body.data as Array<{ id: string; providers: string[] }>;
    const keys = (await gw.admin('/v1/admin/keys')).body.data as Array<{ name: string | null }>;
    const accounts = (await gw.admin('/v1/admin/accounts')).body.data as Array<{ name: string }>;
    // Model ids (`gpt-image-1-mini`), provider names, and the names of keys and accounts are names, not the console's words.
    const names = [...models.flatMap((m) => [m.id, ...m.providers]), ...keys.map((k) => k.name ?? ''), ...accounts.map((a) => a.name)];
    const allowed = ['imagegate', 'HTTP', ...names.flatMap((n) => n.split(/[^A-Za-z]+/))];
    const paths = ['/', '/accounts', `/accounts/${accountId}`, '/keys', '/usage?group_by=model', '/requests', `/requests/${requestId}`];
    paths.push('/tasks', `/tasks/${taskId}`, '/models', '/users', '/audit', '/no-such-page');
    const found: Record<string, string[]> = {};
    for (const path of paths) {
      await page.goto(`${gw.url}/console${path}`);
      await settle(page);
      const words = await englishWords(page, allowed);
      if (words.length) found[path] = words;
    }
    // A dialog too: the new key form, with every attribute's label and hint.
    await page.goto(`${gw.url}/console/keys`);
    await settle(page);
    await page.getByRole('button', { name: '新建密钥' }).click();
    await page.getByRole('dialog').waitFor();
    const words = await englishWords(page, allowed);
    if (words.length) found['/keys (new key)'] = words;
    await page.keyboard.press('Escape');
    expect(found).toEqual({});
  });

  it('switches back to English from the top bar', async () => {
    await page.goto(`${gw.url}/console/accounts`);
    await heading('账户').waitFor();
    await page.getByLabel('语言').selectOption({ label: 'English' });
    await heading('Accounts').waitFor();
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link').first().textContent()).toBe('Overview');
    expect(await page.getByRole('table', { name: 'Accounts' }).locator('th').first().textContent()).toBe('Name');
    await page.reload();
    await heading('Accounts').waitFor();
  });
});
