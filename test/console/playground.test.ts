/**
 * The playground in Debian's Chromium: a generation with `local` at a price (the image appears, the charge is
 * the quote), an edit with a mask painted over an uploaded image (the mask on the wire has the image's size
 * and is transparent exactly where painted), and the curl snippet run as it was copied.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuild, launchChromium, noChromium } from '../support/browser.js';
import { makeUser, signIn } from '../support/console.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const PRICE = 40_000;
// `local` at a price, and a copy of it that runs as a task (mode async), to watch a run being polled.
const OVERLAY = `models:
  local:
    price: { per_image: ${PRICE} }
  local-tasks:
    owned_by: imagegate
    mode: async
    routes: [{ provider: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    sizes: { values: [256x256] }
    price: { per_image: ${PRICE} }
`;

const run = promisify(execFile);

describe.skipIf(noChromium)('the playground in a browser', () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let client: { key: string; accountId: string };
  /** The picture the edit tests upload, [width, height] = 300 × 200. */
  let photo: Buffer;
  /** The mask PNG the edit sent. */
  let sentMask: Buffer;
  const [width, height] = [300, 200];

  beforeAll(async () => {
    gw = await startGateway({ overlay: OVERLAY, consoleDir: await consoleBuild() });
    client = await gw.clientKey({ balance: 10_000_000 });
    const operator = await makeUser(gw, { email: 'ops@example.test', role: 'operator' });
    const session = await signIn(gw, { email: operator.email, password: operator.password });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [name, value] = session.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: gw.url }]);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 120_000);
  /** Opens "Copy as code" unless it is open already (a click on an open one closes it). */
  const showCode = async () => {
    if (!(await page.locator('details.code-snippets').evaluate((d: HTMLDetailsElement) => d.open))) await page.getByText('Copy as code').click();
  };
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    const path = join(tmpdir(), `imagegate-playground-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}.png`);
    await page.screenshot({ path, fullPage: true });
    console.error(`[playground] the page at the failure: ${path}`);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('runs with a pasted client key when the session has no account to make a key for', async () => {
    await page.goto(`${gw.url}/console/playground`);
    await page.getByRole('heading', { name: 'No playground key' }).waitFor();
    await page.getByLabel('API key').fill(client.key);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByLabel('Model').selectOption('local');
    await page.getByRole('tab', { name: 'Text to image' }).waitFor();
  });

  it('generates with local: the image appears and the charge equals the quote', async () => {
    const before = await gw.balance(client.key);
    await page.getByLabel('Prompt').fill('a lighthouse at dusk');
    await page.getByLabel('n', { exact: true }).fill('2');
    await page.getByLabel('size', { exact: true }).fill('256x256');
    const quote = Number(await page.locator('[data-quote]').getAttribute('data-quote'));
    expect(quote).toBe(2 * PRICE);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('img', { name: 'Result image 2' }).waitFor();
    const charge = page.locator('.run').first().locator('[data-charge]');
    expect(Number(await charge.getAttribute('data-charge'))).toBe(quote);
    expect((await gw.balance(client.key)).available).toBe(before.available - quote);
    const size = await page.getByRole('img', { name: 'Result image 1' }).evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([256, 256]);
  });

  it('paints a mask over an uploaded image and sends it with the edit: the image’s size, transparent where painted', async () => {
    photo = await sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    await page.getByRole('tab', { name: 'Edit' }).click();
    await page.getByLabel('Image', { exact: true }).setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
    const canvas = page.locator('.painter canvas');
    await canvas.waitFor();
    // One stroke across the left half at mid-height, with the default brush (1/12 of the short side: 17 px).
    const box = (await canvas.boundingBox())!;
    const toPage = (x: number, y: number) => [box.x + (x * box.width) / width, box.y + (y * box.height) / height] as const;
    await page.mouse.move(...toPage(30, 100));
    await page.mouse.down();
    await page.mouse.move(...toPage(90, 100), { steps: 5 });
    await page.mouse.move(...toPage(150, 100), { steps: 5 });
    await page.mouse.up();
    await page.getByRole('link', { name: 'Save mask.png' }).waitFor();
    await page.getByLabel('Prompt').fill('a red door');

    const sent = new Promise<{ body: Buffer; type: string }>((resolve) => {
      void page.route('**/v1/images/edits', async (route) => {
        resolve({ body: route.request().postDataBuffer()!, type: route.request().headers()['content-type']! });
        await route.continue();
      });
    });
    await page.getByRole('button', { name: 'Run' }).click();
    const { body, type } = await sent;
    await page.locator('.run').first().getByRole('img', { name: 'Result image 1' }).waitFor();

    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
    const mask = form.get('mask') as File;
    expect(form.get('image')).toBeInstanceOf(Blob);
    sentMask = Buffer.from(await mask.arrayBuffer());
    const { data, info } = await sharp(sentMask).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([width, height]);
    const alpha = (x: number, y: number) => data[(y * width + x) * 4 + 3];
    for (const x of [30, 60, 90, 120, 150]) expect(alpha(x, 100)).toBe(0);
    for (const [x, y] of [
      [0, 0],
      [299, 199],
      [250, 100],
      [90, 20],
      [90, 180],
    ] as const)
      expect(alpha(x, y)).toBe(255);
    expect(new Set(Array.from({ length: width * height }, (_, i) => data[i * 4 + 3]))).toEqual(new Set([0, 255]));
  });

  it('names every control of the form, the painter and the results, and fits 800 px without sideways scrolling', async () => {
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea, progress'))
        .filter((el) => !(el.getAttribute('aria-label') || Array.from((el as HTMLInputElement).labels ?? []).some((l) => l.textContent?.trim())))
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    expect(unnamed).toEqual([]);
    await page.setViewportSize({ width: 800, height: 900 });
    try {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('the edit’s snippets send photo.png and the saved mask.png: curl and the openai Node SDK get an image, the Python one is valid Python', async () => {
    const dir = mkdtempSync(join(process.cwd(), 'test', '.playground-snippets-'));
    try {
      // The files the snippet names: the uploaded picture, and the mask as the page sent it (what "Save mask.png" saves).
      writeFileSync(join(dir, 'photo.png'), photo);
      writeFileSync(join(dir, 'mask.png'), sentMask);
      await showCode();
      const code = async (label: string) => {
        await page.getByRole('button', { name: label }).click();
        return (await page.locator('pre[data-snippet]').textContent())!;
      };
      const env = { PATH: process.env.PATH, IMAGEGATE_API_KEY: client.key };
      const imageOf = async (b64: string) => sharp(Buffer.from(b64, 'base64')).metadata();

      const curl = await code('curl');
      expect(curl).toContain("-F 'mask=@mask.png'");
      const viaCurl = JSON.parse((await run('bash', ['-c', curl], { cwd: dir, env })).stdout) as { data: Array<{ b64_json: string }> };
      expect((await imageOf(viaCurl.data[0]!.b64_json)).format).toBe('png');

      writeFileSync(join(dir, 'edit.mjs'), await code('Node (openai)'));
      const viaNode = (await run(process.execPath, ['edit.mjs'], { cwd: dir, env })).stdout;
      expect(viaNode).toMatch(/b64_json/);

      const python = await code('Python (openai)');
      expect(python).toContain('mask=open("mask.png", "rb")');
      const parsed = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: python, encoding: 'utf8' });
      expect(parsed.stderr).toBe('');
      expect(parsed.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('erases, inverts, undoes and clears the painted area as the buttons say', async () => {
    // The paint layer's alpha at a point in image pixels: > 0 where painted.
    const painted = (x: number, y: number) =>
      page.locator('.painter canvas').evaluate((c: HTMLCanvasElement, [px, py]) => c.getContext('2d')!.getImageData(px!, py!, 1, 1).data[3]! >= 128, [x, y]);
    expect([await painted(90, 100), await painted(250, 100)]).toEqual([true, false]);

    await page.getByRole('button', { name: 'Eraser' }).click();
    // Where the canvas is now, after the click scrolled the page.
    const box = (await page.locator('.painter canvas').boundingBox())!;
    const toPage = (x: number, y: number) => [box.x + (x * box.width) / width, box.y + (y * box.height) / height] as const;
    await page.mouse.move(...toPage(90, 100));
    await page.mouse.down();
    await page.mouse.up();
    expect([await painted(90, 100), await painted(40, 100)]).toEqual([false, true]);

    await page.getByRole('button', { name: 'Invert' }).click();
    expect([await painted(90, 100), await painted(40, 100), await painted(250, 100)]).toEqual([true, false, true]);

    await page.getByRole('button', { name: 'Undo' }).click();
    expect([await painted(90, 100), await painted(40, 100), await painted(250, 100)]).toEqual([false, true, false]);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await painted(90, 100)).toBe(true);

    await page.getByRole('button', { name: 'Clear' }).click();
    expect([await painted(90, 100), await painted(40, 100)]).toEqual([false, false]);
    // Nothing painted, no mask: the edit would go without one.
    await page.getByRole('link', { name: 'Save mask.png' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Brush' }).click();
  });

  it('copies the curl snippet, which names the key only as $IMAGEGATE_API_KEY and gets an image when run', async () => {
    await page.getByRole('tab', { name: 'Text to image' }).click();
    await page.getByLabel('Prompt').fill('a bowl of lemons');
    await page.getByLabel('size', { exact: true }).fill('128x128');
    await showCode();
    await page.getByRole('button', { name: 'curl', exact: true }).click();
    await page.getByRole('button', { name: 'Copy the code' }).click();
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toContain('$IMAGEGATE_API_KEY');
    expect(snippet).not.toContain(client.key);
    const { stdout } = await run('bash', ['-c', snippet], { env: { PATH: process.env.PATH, IMAGEGATE_API_KEY: client.key } });
    const answer = JSON.parse(stdout) as { data: Array<{ b64_json: string }> };
    const meta = await sharp(Buffer.from(answer.data[0]!.b64_json, 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 128, 128]);
  });

  it('shows the gateway’s error with its field in place', async () => {
    await page.getByLabel('size', { exact: true }).fill('4096x4096');
    await page.getByRole('button', { name: 'Run' }).click();
    const alert = page.locator('form').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^size: .*2048/);
    await page.locator('.run').first().getByRole('alert').waitFor();
  });

  it('runs an async model as a task: shows it queued, polls it, then the images and the charge', async () => {
    await page.getByLabel('Model').selectOption('local-tasks');
    await page.getByLabel('Prompt').fill('a harbour at dawn');
    await page.getByRole('button', { name: 'Run' }).click();
    const run = page.locator('.run').first();
    await run.getByText(/Queued as task task_/).waitFor();
    await run.getByRole('img', { name: 'Result image 1' }).waitFor({ timeout: 30_000 });
    expect(Number(await run.locator('[data-charge]').getAttribute('data-charge'))).toBe(PRICE);
  });

  it('makes itself a one-hour key named Playground through the member API and keeps it out of storage', async () => {
    // This console routes a member's session to the member's own pages elsewhere; here the page runs in the
    // operator's context and its key request is answered by the real member API under a member's session.
    // The operator lets this account's keys use `local` only: the picker offers no other model.
    expect((await gw.admin(`/v1/admin/accounts/${client.accountId}`, { method: 'PATCH', body: { key_policy: { models: ['local'] } } })).status).toBe(200);
    const member = await makeUser(gw, { email: 'member@example.test', role: 'member', account_id: client.accountId });
    const memberSession = await signIn(gw, { email: member.email, password: member.password });
    const fresh = await context.newPage();
    const asked: Array<Record<string, unknown>> = [];
    await fresh.route('**/v1/console/account/keys', async (route) => {
      const body = route.request().postDataJSON() as Record<string, unknown>;
      asked.push(body);
      const made = await memberSession.call('/v1/console/account/keys', { body });
      await route.fulfill({ status: made.status, contentType: 'application/json', body: JSON.stringify(made.body) });
    });
    const now = Math.floor(Date.now() / 1000);
    await fresh.goto(`${gw.url}/console/playground`);
    await fresh.getByLabel('Model').waitFor();
    expect(
      await fresh
        .getByLabel('Model')
        .locator('option')
        .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(['local']);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.name).toBe('Playground');
    expect(asked[0]!.expires_at).toBeGreaterThanOrEqual(now + 3600 - 5);
    expect(asked[0]!.expires_at).toBeLessThanOrEqual(now + 3600 + 5);
    await fresh.getByLabel('Prompt').fill('a red bicycle');
    await fresh.getByRole('button', { name: 'Run' }).click();
    await fresh.getByRole('img', { name: 'Result image 1' }).waitFor();
    const stored = await fresh.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toMatch(/sk-ig-/);
    const keys = await gw.admin(`/v1/admin/keys?account_id=${client.accountId}`);
    const made = keys.body.data.filter((k: { name: string }) => k.name === 'Playground');
    expect(made).toEqual([expect.objectContaining({ account_id: client.accountId, admin: false, models: ['local'] })]);
    expect(made[0].expires_at).toBe(asked[0]!.expires_at);
    await fresh.close();
  });
});
