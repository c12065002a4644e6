/**
 * A top-up code credits once across gateways: two `imagegate serve` processes sharing one PostgreSQL database
 * take 50 concurrent redemptions of one code between them, and exactly one credits.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, makeUser, signIn } from '../support/console.js';
import { freshPostgres, PG_URL, tempDir } from '../support/databases.js';
import { ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { freePort, processEnv, startGatewayProcess } from '../support/process.js';

/** A running gateway process as the console helpers need it: its URL and admin calls with the admin key. */
function processGateway(url: string): Pick<TestGateway, 'url' | 'admin'> {
  return {
    url,
    async admin(path, init = {}) {
      const res = await fetch(`${url}${path}`, {
        method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    },
  };
}

describe.skipIf(!PG_URL)('top-up codes across two gateway processes on PostgreSQL', () => {
  const children: ChildProcess[] = [];
  const gateways: Array<Pick<TestGateway, 'url' | 'admin'>> = [];

  beforeAll(async () => {
    const databaseUrl = await freshPostgres();
    // One after the other: the first migrates the fresh database.
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const env = processEnv({
        dataDir: tempDir(),
        overlay: '',
        openaiUrl: 'http://127.0.0.1:9',
        databaseUrl,
        // Each process limits guesses on its own here (no Redis): high enough that every redemption reaches the database.
        extra: { IMAGEGATE_REDEEM_FAILURES_PER_ACCOUNT: '1000', IMAGEGATE_REDEEM_FAILURES_PER_IP: '1000' },
      });
      children.push(await startGatewayProcess(env, port));
      gateways.push(processGateway(`http://127.0.0.1:${port}`));
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null) return;
        const exited = once(c, 'exit');
        c.kill('SIGTERM');
        await exited;
      }),
    );
  });

  it('credits one of 50 concurrent redemptions of a code spread over both processes, and refuses 49', async () => {
    const [a, b] = gateways as [Pick<TestGateway, 'url' | 'admin'>, Pick<TestGateway, 'url' | 'admin'>];
    const members: Array<{ accountId: string; session: BrowserSession }> = [];
    for (let i = 0; i < 4; i++) {
      const acct = await a.admin('/v1/admin/accounts', { body: { name: `member ${i}` } });
      const user = await makeUser(a, { email: `${randomUUID()}@topup.test`, role: 'member', account_id: acct.body.id });
      // Sessions live in the shared database: half of the members signed in on each process.
      members.push({ accountId: acct.body.id, session: await signIn(i % 2 === 0 ? a : b, user) });
    }
    const made = await b.admin('/v1/admin/topup-codes', { body: { amount: 5_000_000, count: 1 } });
    expect(made.status).toBe(201);
    const code = made.body.codes[0] as { id: string; code: string };

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => members[i % members.length]!.session.call('/v1/console/account/redeem', { body: { code: code.code } })),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = answers.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(49);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'already_redeemed', param: 'code' });

    const balances = await Promise.all(members.map(async (m) => (await a.admin(`/v1/admin/accounts/${m.accountId}`)).body.balance as number));
    expect(balances.filter((x) => x !== 0)).toEqual([5_000_000]);
    const ledger = await Promise.all(
      members.map(async (m) => (await b.admin(`/v1/admin/ledger?account_id=${m.accountId}`)).body.data as Array<{ kind: string }>),
    );
    expect(ledger.flat().filter((e) => e.kind === 'topup')).toHaveLength(1);
    expect((await a.admin(`/v1/admin/audit?action=topup.redeem&target_id=${code.id}`)).body.data).toHaveLength(1);
  });
});
