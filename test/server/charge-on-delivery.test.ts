/**
 * A synchronous reply is charged only once it was handed to its client in full: these tests serve replies
 * from a real HTTP server to real clients that read all, read nothing and hang up, or get an error instead.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/billing/accounts.js';
import { Hold } from '../../src/billing/hold.js';
import { Ledger } from '../../src/billing/ledger.js';
import { Settlement } from '../../src/billing/settlement.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { chargeOnDelivery } from '../../src/server/charge-on-delivery.js';
import { tempDir } from '../support/databases.js';
import { until } from '../support/wait.js';

const HELD = 5_000;
const PRICE = 3_000;
/** Larger than loopback's socket buffers, so a client that reads nothing holds the reply back. */
const BIG = Buffer.alloc(48 * 1024 * 1024, 'x');

describe('charging a reply on delivery', () => {
  let db: Db;
  let ledger: Ledger;
  let accounts: Accounts;
  let app: FastifyInstance;
  let url: URL;
  const charged = new Map<string, Promise<number>>();
  let accountId: string;

  /** A hold the next request's reply will close, by the request's `id` query. */
  async function held(id: string): Promise<Hold> {
    const rec = await ledger.hold({ accountId, keyId: null, requestId: id, model: 'm', amount: HELD, owner: 'inst_test' });
    const hold = new Hold(ledger, rec);
    holds.set(id, hold);
    return hold;
  }
  const holds = new Map<string, Hold>();
  const holdRow = async (hold: Hold) => db.kysely.selectFrom('holds').select(['status', 'charged']).where('id', '=', hold.id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    db = await openDatabase({ dataDir: tempDir() });
    ledger = new Ledger(db, 'USD');
    accounts = new Accounts(db, ledger);
    accountId = (await accounts.create('delivery', 1_000_000)).id;
    app = Fastify();
    app.get<{ Querystring: { id: string; size: string; fail?: string } }>('/reply', async (req, reply) => {
      const hold = holds.get(req.query.id)!;
      charged.set(req.query.id, chargeOnDelivery(reply, new Settlement(hold, PRICE, db.transact)));
      if (req.query.fail) throw new Error('rendering failed after the upstream work');
      return reply.type('application/octet-stream').send(req.query.size === 'big' ? BIG : Buffer.from('{"data":[]}'));
    });
    url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it('settles the hold once the whole reply was written to the client', async () => {
    const hold = await held('whole');
    const res = await fetch(`${url.origin}/reply?id=whole&size=small`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await charged.get('whole')).toBe(PRICE);
    expect(await holdRow(hold)).toEqual({ status: 'settled', charged: PRICE });
  });

  it('refunds the hold when the client hangs up before the reply was delivered in full', async () => {
    const hold = await held('stalled');
    const socket = connect(Number(url.port), url.hostname);
    socket.write(`GET /reply?id=stalled&size=big HTTP/1.1\r\nHost: x\r\n\r\n`);
    socket.pause();
    await until(() => charged.has('stalled'));
    // The reply is written but not delivered: the client has read nothing of it, so the hold stays open.
    await new Promise((r) => setTimeout(r, 300));
    expect((await holdRow(hold)).status).toBe('open');
    socket.destroy();
    expect(await charged.get('stalled')).toBe(0);
    expect(await holdRow(hold)).toEqual({ status: 'released', charged: 0 });
    expect((await accounts.get(accountId))!.balance).toBe(1_000_000 - PRICE);
  });

  it('refunds the hold when an error reply goes out instead of the images', async () => {
    const hold = await held('failed');
    const res = await fetch(`${url.origin}/reply?id=failed&size=small&fail=1`);
    expect(res.status).toBe(500);
    expect(await charged.get('failed')).toBe(0);
    expect((await holdRow(hold)).status).toBe('released');
  });
});
