/**
 * The admin API behind the console's pages, called with the admin key: accounts search and paging, keys by
 * status and name or prefix, an account's ledger page by page, usage and the ledger as CSV, and one task of
 * any account in detail and canceled by an operator.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { newTaskRow } from '../../src/tasks/store.js';
import { databases } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { pollValue, until } from '../support/wait.js';

const PRICE = 40_000;
const OVERLAY = `
models:
  priced-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [16x16, 32x32] }
    price: { per_image: ${PRICE} }
`;

type Row = Record<string, any>;

/** RFC 4180 rows, quoted cells with doubled quotes and line breaks included: the reader a spreadsheet is. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += c;
  }
  return rows;
}

/** Every id of a paged admin list, walking `after` with pages of `limit`; and the number of pages. */
async function walk(gw: TestGateway, path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after = '';
  for (let pages = 1; ; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await gw.admin(`${path}${sep}limit=${limit}${after ? `&after=${after}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((r: Row) => r.id));
    if (!res.body.has_more) return { ids, pages };
    after = res.body.last_id;
  }
}

describe.each(databases())('admin API for the console pages on $name', ({ make }) => {
  let gw: TestGateway;
  let adminKeyId: string;
  let hook: ReturnType<typeof createServer>;
  let hookUrl = '';
  // A token of this run, so searches see only the rows a test made.
  const tok = `t${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    hookUrl = `http://127.0.0.1:${port}/hook`;
    const db = await make();
    gw = await startGateway({
      overlay: OVERLAY,
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      env: { IMAGEGATE_URL_ALLOWLIST: `127.0.0.1:${port}` },
    });
    adminKeyId = (await gw.admin('/v1/admin/keys?admin=true')).body.data[0].id;
  });
  afterAll(async () => {
    await gw?.close();
    hook?.close();
  });

  const account = async (name: string, credit = 0) => (await gw.admin('/v1/admin/accounts', { body: { name, credit } })).body as Row;

  describe('accounts', () => {
    it('searches accounts by a case-insensitive part of the name or of the id', async () => {
      const a = await account(`${tok} Acme Widgets`);
      const b = await account(`widgets of ${tok.toUpperCase()}`);
      await account(`${tok}-unrelated`);
      const ids = async (q: string) => (await gw.admin(`/v1/admin/accounts?q=${encodeURIComponent(q)}`)).body.data.map((r: Row) => r.id);
      expect(await ids(`${tok.toUpperCase()} acme`)).toEqual([a.id]);
      expect(await ids(`WIDGETS`)).toEqual(expect.arrayContaining([b.id, a.id]));
      expect((await ids(`widgets`)).filter((id: string) => [a.id, b.id].includes(id))).toEqual([b.id, a.id]);
      expect(await ids(b.id.slice(-8).toUpperCase())).toEqual([b.id]);
    });

    it('matches % and _ in a search as themselves, not as wildcards', async () => {
      const pct = await account(`${tok} 50% off`);
      await account(`${tok} 50x off`);
      const ids = async (q: string) => (await gw.admin(`/v1/admin/accounts?q=${encodeURIComponent(q)}`)).body.data.map((r: Row) => r.id);
      expect(await ids(`${tok} 50% off`)).toEqual([pct.id]);
      expect(await ids(`${tok} 50_ off`)).toEqual([]);
    });

    it('pages accounts newest first, each account once across pages', async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await account(`${tok} paged ${i}`)).id);
      const { ids, pages } = await walk(gw, `/v1/admin/accounts?q=${tok}%20paged`, 2);
      expect(ids).toEqual([...made].reverse());
      expect(pages).toBe(3);
    });

    it('refuses a bad limit or an unknown cursor, naming the parameter', async () => {
      for (const [q, param] of [
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['after=acct_nosuchrow', 'after'],
      ]) {
        const res = await gw.admin(`/v1/admin/accounts?${q}`);
        expect(res.status, q).toBe(400);
        expect(res.body.error.param, q).toBe(param);
      }
    });
  });

  describe('keys', () => {
    it('filters keys by status: active, revoked, and expired (shown as expired)', async () => {
      const acct = await account(`${tok} keyed`);
      const make = async (name: string, extra: Row = {}) => (await gw.admin('/v1/admin/keys', { body: { name, account_id: acct.id, ...extra } })).body as Row;
      const active = await make('active one');
      const revoked = await make('revoked one');
      await gw.admin(`/v1/admin/keys/${revoked.id}/revoke`, { body: {} });
      const expired = await make('expired one', { expires_at: Math.floor(Date.now() / 1000) - 60 });
      const later = await make('expires later', { expires_at: Math.floor(Date.now() / 1000) + 3600 });
      const list = async (status: string) => (await gw.admin(`/v1/admin/keys?account_id=${acct.id}&status=${status}`)).body.data as Row[];
      expect((await list('active')).map((k) => k.id)).toEqual([later.id, active.id]);
      expect((await list('revoked')).map((k) => [k.id, k.status])).toEqual([[revoked.id, 'revoked']]);
      expect((await list('expired')).map((k) => [k.id, k.status])).toEqual([[expired.id, 'expired']]);
      const bad = await gw.admin('/v1/admin/keys?status=lapsed');
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe('status');
    });

    it('searches keys by a part of the name or the prefix, and pages each key once', async () => {
      const acct = await account(`${tok} searched keys`);
      const made: Row[] = [];
      for (let i = 0; i < 3; i++) made.push((await gw.admin('/v1/admin/keys', { body: { name: `${tok} Mobile ${i}`, account_id: acct.id } })).body);
      const ids = async (q: string) => (await gw.admin(`/v1/admin/keys?q=${encodeURIComponent(q)}`)).body.data.map((r: Row) => r.id);
      expect(await ids(`${tok} mobile 1`)).toEqual([made[1]!.id]);
      expect(await ids(made[2]!.key.slice(0, 10))).toEqual([made[2]!.id]);
      const { ids: paged } = await walk(gw, `/v1/admin/keys?account_id=${acct.id}`, 2);
      expect(paged).toEqual(made.map((k) => k.id).reverse());
    });
  });

  describe('ledger', () => {
    it("pages an account's ledger newest first, each entry once, while the full export stays oldest first", async () => {
      const acct = await account(`${tok} ledger`, 1000);
      for (const note of ['one', 'two', 'three', 'four']) await gw.admin(`/v1/admin/accounts/${acct.id}/credit`, { body: { amount: 1, note } });
      const full = await gw.admin(`/v1/admin/ledger?account_id=${acct.id}`);
      expect(full.body.data.map((e: Row) => e.note)).toEqual(['initial credit', 'one', 'two', 'three', 'four']);
      expect(full.body.has_more).toBeUndefined();
      const first = await gw.admin(`/v1/admin/ledger?account_id=${acct.id}&limit=2`);
      expect(first.body).toMatchObject({ object: 'list', has_more: true, currency: 'USD', unit: 'micro' });
      const { ids, pages } = await walk(gw, `/v1/admin/ledger?account_id=${acct.id}`, 2);
      expect(ids).toEqual(full.body.data.map((e: Row) => e.id).reverse());
      expect(pages).toBe(3);
    });

    it('refuses format=csv with a page, and an unknown cursor, naming the parameter', async () => {
      const csvPage = await gw.admin('/v1/admin/ledger?format=csv&limit=2');
      expect(csvPage.status).toBe(400);
      expect(csvPage.body.error.param).toBe('format');
      const unknown = await gw.admin('/v1/admin/ledger?after=led_nosuchrow');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.param).toBe('after');
    });

    it('escapes commas, quotes and line breaks in the CSV export, so each entry reads back as written', async () => {
      const acct = await account(`${tok} csv`);
      const note = 'refund, as agreed: "goodwill"\nsecond line\r\nthird';
      await gw.admin(`/v1/admin/accounts/${acct.id}/credit`, { body: { amount: 5, note } });
      const res = await gw.admin(`/v1/admin/ledger?account_id=${acct.id}&format=csv`);
      expect(res.headers.get('content-type')).toContain('text/csv');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="ledger.csv"');
      const rows = parseCsv(res.body as string);
      expect(rows).toHaveLength(2);
      const [head, entry] = rows as [string[], string[]];
      expect(entry[head.indexOf('note')]).toBe(note);
      expect(entry[head.indexOf('amount')]).toBe('5');
    });
  });

  describe('usage', () => {
    it('exports usage as CSV with the grouping and figures of the JSON form', async () => {
      const acct = await account(`${tok} usage`, 1_000_000);
      const key = (await gw.admin('/v1/admin/keys', { body: { name: 'u', account_id: acct.id } })).body.key as string;
      const gen = (body: Row) => postJson(`${gw.url}/v1/images/generations`, key, { model: 'priced-local', prompt: 'p', size: '16x16', ...body });
      expect((await gen({})).status).toBe(200);
      expect((await gen({ model: 42 })).status).toBe(400);
      const q = `account_id=${acct.id}&group_by=day,model,account`;
      // The refused request named no model it could be: its row is grouped apart, its empty model an empty cell.
      await until(async () => (await gw.admin(`/v1/admin/usage?${q}`)).body.data.length === 2);
      const json = (await gw.admin(`/v1/admin/usage?${q}`)).body.data as Row[];
      const csv = await gw.admin(`/v1/admin/usage?${q}&format=csv`);
      expect(csv.headers.get('content-disposition')).toBe('attachment; filename="usage.csv"');
      const [head, ...rows] = parseCsv(csv.body as string) as [string[], ...string[][]];
      expect(head).toEqual([
        'day',
        'model',
        'account_id',
        'requests',
        'succeeded',
        'images',
        'spend',
        'input_text_tokens',
        'input_image_tokens',
        'output_image_tokens',
        'output_text_tokens',
      ]);
      expect(rows).toEqual(json.map((r) => head.map((c) => (r[c] === null ? '' : String(r[c])))));
      const day = json[0]!.day as string;
      // Where a null sorts differs by database (first on SQLite, last on PostgreSQL); the JSON order is kept.
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          [day, '', acct.id, '1', '0', '0', '0', '0', '0', '0', '0'],
          [day, 'priced-local', acct.id, '1', '1', '1', String(PRICE), '0', '0', '0', '0'],
        ]),
      );
      const bad = await gw.admin('/v1/admin/usage?format=xlsx');
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe('format');
    });
  });

  describe('tasks', () => {
    const k = () => gw.gateway.db.kysely;

    /** A task of a new account, running on another (live-looking) instance with its hold open: no worker here takes it. */
    async function runningElsewhere() {
      const c = await gw.clientKey({ balance: 10 * PRICE });
      const id = newId('task');
      const row = newTaskRow({
        id,
        accountId: c.accountId,
        keyId: c.keyId,
        model: 'priced-local',
        endpoint: '/v1/images/generations',
        job: '{}',
        holdId: null,
        quoted: PRICE,
        callbackUrl: null,
      });
      const store = gw.gateway.taskStore;
      const hold = await gw.gateway.ledger.hold({
        accountId: c.accountId,
        keyId: c.keyId,
        requestId: 'req_test',
        model: 'priced-local',
        amount: PRICE,
        owner: `task:${id}`,
        alongside: (holdId) =>
          store.insertWork({ ...row, hold_id: holdId, status: 'running', lease_owner: 'inst_elsewhere', lease_until: Date.now() + 3_600_000 }),
      });
      return { ...c, taskId: id, holdId: hold.id };
    }

    it('shows a task of any account with its account, key, attempts, hold, result links and webhook deliveries', async () => {
      const c = await gw.clientKey({ balance: 10 * PRICE });
      const sent = await postJson(`${gw.url}/v1/images/generations`, c.key, {
        model: 'priced-local',
        prompt: 'p',
        size: '16x16',
        callback_url: hookUrl,
        async: true,
      });
      expect(sent.status).toBe(202);
      const detail = await pollValue(
        async () => (await gw.admin(`/v1/admin/tasks/${sent.body.id}`)).body as Row,
        (t) => t.webhook?.status === 'delivered',
      );
      expect(detail).toMatchObject({
        id: sent.body.id,
        object: 'image.task',
        status: 'succeeded',
        account_id: c.accountId,
        account: { id: c.accountId, name: 'test' },
        key: { id: c.keyId, name: 'test', status: 'active' },
        attempts: 1,
        hold: { amount: PRICE, status: 'settled', charged: PRICE },
        webhook: { url: hookUrl, status: 'delivered', attempts: [{ status: 204 }], next_attempt_at: null },
      });
      expect(detail.hold.billing_transaction_id).toMatch(/^txn_/);
      expect(detail.data[0].url).toMatch(/^http/);
      expect(JSON.stringify(detail)).not.toContain(c.key);
      const missing = await gw.admin('/v1/admin/tasks/task_nosuchrow');
      expect(missing.status).toBe(404);
      expect(missing.body.error.param).toBe('id');
    });

    it('cancels a task of any account and refunds its hold exactly once when two cancels race', async () => {
      const t = await runningElsewhere();
      const listed = (await gw.admin(`/v1/admin/accounts?q=${t.accountId}`)).body.data[0] as Row;
      expect(listed).toMatchObject({ balance: 9 * PRICE, held: PRICE, open_holds: 1 });

      const cancel = () => gw.admin(`/v1/admin/tasks/${t.taskId}/cancel`, { body: {} });
      const results = await Promise.all([cancel(), cancel()]);
      const won = results.filter((r) => r.status === 200);
      const lost = results.filter((r) => r.status !== 200);
      expect(won).toHaveLength(1);
      expect(won[0]!.body).toMatchObject({ id: t.taskId, status: 'canceled', hold: { status: 'released', charged: 0 } });
      expect(lost[0]!.status).toBe(400);
      expect(lost[0]!.body.error.message).toContain('already finished');

      const entries = (await gw.admin(`/v1/admin/ledger?billing_transaction_id=${t.holdId}`)).body.data as Row[];
      expect(entries.map((e) => [e.kind, e.amount])).toEqual([
        ['hold', -PRICE],
        ['refund', PRICE],
      ]);
      expect(await gw.balance(t.key)).toMatchObject({ available: 10 * PRICE, held: 0, open_holds: 0 });
      const audit = (await gw.admin(`/v1/admin/audit?target_id=${t.taskId}`)).body.data as Row[];
      expect(audit.map((a) => [a.action, a.actor, a.amount, a.target])).toEqual([['task.cancel', adminKeyId, PRICE, { kind: 'task', id: t.taskId }]]);
      expect(audit[0]!.diff).toEqual({ account_id: t.accountId, from_status: 'running' });
    });

    it('refuses to cancel a finished task, saying it is finished, and writes no audit entry', async () => {
      const c = await gw.clientKey({ balance: 10 * PRICE });
      const sent = await postJson(`${gw.url}/v1/images/generations`, c.key, { model: 'priced-local', prompt: 'p', size: '16x16', async: true });
      await pollValue(
        async () => (await gw.admin(`/v1/admin/tasks/${sent.body.id}`)).body.status as string,
        (s) => s === 'succeeded',
      );
      const res = await gw.admin(`/v1/admin/tasks/${sent.body.id}/cancel`, { body: {} });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'id' });
      expect(res.body.error.message).toContain('has already finished (succeeded)');
      expect((await gw.admin(`/v1/admin/tasks/${sent.body.id}`)).body).toMatchObject({ status: 'succeeded', hold: { status: 'settled' } });
      expect((await gw.admin(`/v1/admin/audit?target_id=${sent.body.id}`)).body.data).toEqual([]);
      expect((await k().selectFrom('tasks').select('status').where('id', '=', sent.body.id).executeTakeFirst())?.status).toBe('succeeded');
    });
  });
});
