/**
 * The console in a real browser, page by page, for a person who uses a keyboard, a screen reader or a narrow
 * window: every form control has an accessible name, Tab reaches every control, Enter submits the sign-in,
 * Escape closes a dialog, text and controls have a contrast of at least 4.5:1 against what is behind them, and at
 * 800 px nothing is cut off (a wide table scrolls inside its own frame). Skips where no Chromium is installed.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { ADMIN_KEY, postJson, startGateway, type TestGateway } from '../support/gateway.js';

const OPERATOR = { email: 'ops@example.test', password: 'a long enough operator password' };
const OVERLAY = 'models:\n  local:\n    price: { per_image: 40000 }\n';

/** Waits until the page's requests are done and no loading note is left. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('[role="status"]'), undefined, { timeout: 10_000 });
}

/** Form controls (input, select, textarea) without an accessible name: a label, aria-label or aria-labelledby. */
function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nameOf = (el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) => {
      const by = el.getAttribute('aria-labelledby');
      const labelled = by ? by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '') : [];
      const labels = Array.from(el.labels ?? []).map((l) => l.textContent ?? '');
      return [el.getAttribute('aria-label') ?? '', ...labelled, ...labels].join('').trim();
    };
    return Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea'))
      .filter((el) => el.type !== 'hidden' && !nameOf(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

/**
 * Text whose contrast with its background is under 4.5:1, from the computed colours: body text, table text,
 * muted text, links and (enabled) buttons. The background is the first opaque one up the tree, with
 * translucent ones blended over it.
 */
function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (c: string): Rgba => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const [r = 0, g = 0, b = 0, a = 1] = m[1]!
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [r, g, b, a];
    };
    const over = (top: Rgba, under: Rgba): Rgba => {
      const a = top[3];
      return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
    };
    const background = (el: Element | null): Rgba => {
      const layers: Rgba[] = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      return layers.reduceRight<Rgba>((under, top) => over(top, under), [255, 255, 255, 1]);
    };
    const luminance = ([r, g, b]: Rgba) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const ratio = (a: Rgba, b: Rgba) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    };
    const ownText = (el: Element) =>
      Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
    const failures: string[] = [];
    const selector = 'p, li, dt, dd, td, th, label, small, span, strong, code, a, button, h1, h2, h3, legend, caption, summary, pre';
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      if (!ownText(el) || (el as HTMLButtonElement).disabled || el.closest('.sr-only, .skip')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const r = ratio(fg, bg);
      if (r < 4.5)
        failures.push(
          `${el.tagName.toLowerCase()}.${el.className} "${ownText(el).slice(0, 30)}": ${r.toFixed(2)}:1 (${style.color} on rgb(${bg.slice(0, 3).join(', ')}))`,
        );
    }
    return failures;
  });
}

/**
 * The visible, enabled controls of the page that Tab does not reach, pressing Tab once per control and a few
 * more (a date-and-time field is six stops in Chromium: its day, month, year, hours, minutes and AM/PM).
 */
async function unreachableByTab(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const controls = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea'));
    const visible = all.filter((el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0 && !el.closest('.sr-only'));
    for (const [i, el] of visible.entries()) el.setAttribute('data-tab-check', String(i));
    const stops = visible.length + 5 * visible.filter((el) => (el as HTMLInputElement).type === 'datetime-local').length;
    return {
      stops,
      names: visible.map(
        (el) =>
          `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || (el as HTMLInputElement).name || el.id).trim().slice(0, 40)}"`,
      ),
    };
  });
  const reached = new Set<string>();
  for (let i = 0; i < controls.stops + 5; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.getAttribute('data-tab-check') ?? null);
    if (at !== null) reached.add(at);
  }
  return controls.names.filter((_, i) => !reached.has(String(i)));
}

/** Elements past the right edge of the window that are not inside a frame that scrolls sideways. */
function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrollsSideways = (el: Element | null) => {
      for (let e = el?.parentElement; e && e !== document.body; e = e.parentElement) {
        const o = getComputedStyle(e).overflowX;
        if (o === 'auto' || o === 'scroll') return true;
      }
      return false;
    };
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width + 1) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in ${width} px`);
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('main *, header *, nav *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && !scrollsSideways(el))
        out.push(`${el.tagName.toLowerCase()}.${el.className}: right edge at ${Math.round(r.right)} px`);
    }
    return out.slice(0, 10);
  });
}

describe.skipIf(noChromium)('console accessibility in Chromium', () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let accountId: string;
  let requestId: string;
  let taskId: string;

  beforeAll(async () => {
    gw = await startGateway({ overlay: OVERLAY, consoleDir: await consoleBuild() });
    const client = await gw.clientKey({ balance: 10_000_000 });
    accountId = client.accountId;
    const gen = await postJson(`${gw.url}/v1/images/generations`, client.key, { model: 'local', prompt: 'a lighthouse', size: '256x256' });
    requestId = gen.headers.get('x-request-id')!;
    await postJson(`${gw.url}/v1/images/generations`, client.key, { model: 'local', prompt: 'too large', size: '4096x4096' });
    const task = await postJson(`${gw.url}/v1/images/generations`, client.key, { model: 'local', prompt: 'a harbour', size: '256x256', async: true });
    taskId = (task.body as { id: string }).id;
    await gw.admin(`/v1/admin/accounts/${accountId}/credit`, { body: { amount: 1_000_000, note: 'Invoice 7 paid' } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('signs in by keyboard: Enter submits the admin key, then the first operator; the forms have labelled fields and enough contrast', async () => {
    await page.goto(`${gw.url}/console/`);
    await settle(page);
    expect(await unnamedControls(page)).toEqual([]);
    expect(await lowContrast(page)).toEqual([]);
    await page.getByRole('button', { name: 'Use the admin key instead' }).click();
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Create the first operator' }).waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    expect(await lowContrast(page)).toEqual([]);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  const pages = () => [
    '/',
    '/accounts',
    `/accounts/${accountId}`,
    '/keys',
    '/usage',
    '/usage?group_by=model',
    '/requests',
    `/requests/${requestId}`,
    '/tasks',
    `/tasks/${taskId}`,
    '/models',
    '/users',
    '/audit',
    '/invites',
    '/topup-codes',
  ];

  it('names every form control, reaches every control with Tab, and keeps text at 4.5:1 contrast on every page', async () => {
    const problems: Record<string, unknown> = {};
    for (const path of pages()) {
      await page.goto(`${gw.url}/console${path}`);
      await settle(page);
      const found = { unnamed: await unnamedControls(page), contrast: await lowContrast(page), tab: await unreachableByTab(page) };
      if (found.unnamed.length || found.contrast.length || found.tab.length) problems[path] = found;
    }
    expect(problems).toEqual({});
  }, 120_000);

  it("checks a member's pages like the operators': named controls, Tab, contrast, and a fit into 800 px", async () => {
    const member = { email: 'member@example.test', password: 'a long enough member password' };
    expect((await gw.admin('/v1/admin/users', { body: { ...member, role: 'member', account_id: accountId } })).status).toBe(201);
    const memberContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const p = await memberContext.newPage();
      await p.goto(`${gw.url}/console/`);
      await p.getByLabel('Email').fill(member.email);
      await p.getByLabel('Password').fill(member.password);
      await p.keyboard.press('Enter');
      await p.getByRole('link', { name: 'Top up' }).waitFor();
      const problems: Record<string, unknown> = {};
      for (const path of ['/', '/keys', '/requests', `/requests/${requestId}`, '/tasks', `/tasks/${taskId}`, '/top-up']) {
        for (const width of [1280, 800]) {
          await p.setViewportSize({ width, height: 860 });
          await p.goto(`${gw.url}/console${path}`);
          await settle(p);
          const found =
            width === 800 ? { cut: await cutOff(p) } : { unnamed: await unnamedControls(p), contrast: await lowContrast(p), tab: await unreachableByTab(p) };
          if (Object.values(found).some((f) => f.length)) problems[`${path} at ${width}`] = found;
        }
      }
      expect(problems).toEqual({});
    } finally {
      await memberContext.close();
    }
  }, 120_000);

  it('fits every page into 800 px: nothing is cut off, wide tables scroll inside their frame', async () => {
    await page.setViewportSize({ width: 800, height: 860 });
    try {
      const problems: Record<string, string[]> = {};
      for (const path of pages()) {
        await page.goto(`${gw.url}/console${path}`);
        await settle(page);
        const found = await cutOff(page);
        if (found.length) problems[path] = found;
      }
      expect(problems).toEqual({});
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  }, 120_000);

  it('closes a dialog with Escape and gives the focus back to the button that opened it', async () => {
    for (const [path, opener] of [
      ['/keys', 'New key'],
      ['/accounts', 'New account'],
      ['/models', 'Contract of local'],
      ['/invites', 'New invite'],
      ['/topup-codes', 'Generate codes'],
    ] as const) {
      await page.goto(`${gw.url}/console${path}`);
      await settle(page);
      const button = page.getByRole('button', { name: opener, exact: true });
      await button.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      expect(await unnamedControls(page), path).toEqual([]);
      expect(await lowContrast(page), path).toEqual([]);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      // On failure, says what has the focus instead.
      const focused = () =>
        button.evaluate((b) => (b === document.activeElement ? 'the opener' : (document.activeElement?.outerHTML.slice(0, 160) ?? 'nothing')));
      await expect.poll(focused, { message: path, timeout: 2_000 }).toBe('the opener');
    }
  });

  it('links the usage and ledger exports to CSV files', async () => {
    for (const [path, name] of [
      ['/usage', 'Export CSV'],
      [`/accounts/${accountId}`, 'Download CSV'],
    ] as const) {
      await page.goto(`${gw.url}/console${path}`);
      await settle(page);
      const href = await page.getByRole('link', { name }).getAttribute('href');
      expect(href, path).toContain('format=csv');
      const res = await page.request.get(`${gw.url}${href}`);
      expect(res.status(), path).toBe(200);
      expect(res.headers()['content-type'], path).toMatch(/^text\/csv/);
      expect(res.headers()['content-disposition'], path).toContain('attachment');
    }
  });
});
