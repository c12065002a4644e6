/**
 * What must be true of the money after any fault, read straight from the database:
 * - every account's balance equals the sum of its ledger entries;
 * - no hold is left open once the sweep has run and the tasks have finished;
 * - every settled hold belongs to a reply its client fully received or to a task that succeeded with a result;
 * - no canceled or failed task has a settled hold.
 */
import pg from 'pg';
import type { Outcome } from './load.js';

export interface Violations {
  balanceMismatch: string[];
  openHolds: string[];
  settledWithoutDelivery: string[];
  failedButCharged: string[];
  succeededWithoutResult: string[];
}

export interface Ledgerbook {
  violations: Violations;
  /** Replies received in full whose hold was refunded (delivered free: a crash between delivery and settle). */
  deliveredFree: number;
  /**
   * Settled replies whose client hung up (racing the reply): the gateway had written the whole reply to an
   * intact connection (what "delivered" can mean to a server), and the client dropped what its socket held.
   */
  droppedByClient: number;
  settled: number;
  refunded: number;
  tasks: Record<string, number>;
}

export const violationCount = (v: Violations) => Object.values(v).reduce((n, list) => n + list.length, 0);

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** Waits (bounded) until no task is pending or running and no hold is open: the fleet has settled everything it will. */
export async function quiesce(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await query<{ busy: string }>(
      url,
      `select (select count(*) from tasks where status in ('pending','running')) + (select count(*) from holds where status = 'open') as busy`,
    ).catch(() => [{ busy: '1' }]);
    if (Number(row?.busy) === 0 || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function audit(url: string, outcomes: Outcome[], extraReceivedHolds: string[] = []): Promise<Ledgerbook> {
  const v: Violations = { balanceMismatch: [], openHolds: [], settledWithoutDelivery: [], failedButCharged: [], succeededWithoutResult: [] };
  const accounts = await query<{ id: string; balance: string; sum: string | null }>(
    url,
    `select a.id, a.balance, (select sum(amount) from ledger l where l.account_id = a.id) as sum from accounts a`,
  );
  for (const a of accounts) if (Number(a.balance) !== Number(a.sum ?? 0)) v.balanceMismatch.push(`${a.id}: balance ${a.balance} ≠ Σ ledger ${a.sum}`);

  const holds = await query<{ id: string; status: string; owner: string; request_id: string }>(url, `select id, status, owner, request_id from holds`);
  const byRequest = new Map(outcomes.map((o) => [o.requestId, o]));
  let droppedByClient = 0;
  const tasks = await query<{ id: string; status: string; hold_id: string | null; result: string | null }>(
    url,
    `select id, status, hold_id, result from tasks`,
  );
  const received = new Set([...outcomes.flatMap((o) => (o.receivedHold ? [o.receivedHold] : [])), ...extraReceivedHolds]);
  const succeededTaskHolds = new Set(tasks.filter((t) => t.status === 'succeeded' && t.hold_id).map((t) => t.hold_id!));
  const holdStatus = new Map(holds.map((h) => [h.id, h.status]));

  for (const h of holds) {
    if (h.status === 'open') v.openHolds.push(`${h.id} (owner ${h.owner})`);
    if (h.status === 'settled' && !received.has(h.id) && !succeededTaskHolds.has(h.id)) {
      const o = byRequest.get(h.request_id);
      // A client that hangs up races the reply: when the gateway had written the whole reply to the still-open
      // connection first, it was delivered (the bytes sat in the client's socket when it closed), and the
      // client cannot see from its side whether that happened. charge-on-delivery.test.ts pins the other side:
      // a connection broken before the reply was written in full is never charged.
      if (o?.kind === 'hangup') droppedByClient++;
      else v.settledWithoutDelivery.push(`${h.id} (request ${h.request_id}: ${o ? `${o.kind} → ${o.status}` : 'not sent by this suite'})`);
    }
  }
  for (const t of tasks) {
    if ((t.status === 'failed' || t.status === 'canceled') && t.hold_id && holdStatus.get(t.hold_id) === 'settled')
      v.failedButCharged.push(`${t.id} ${t.status}`);
    if (t.status === 'succeeded' && !t.result) v.succeededWithoutResult.push(t.id);
  }
  const taskCounts: Record<string, number> = {};
  for (const t of tasks) taskCounts[t.status] = (taskCounts[t.status] ?? 0) + 1;
  return {
    violations: v,
    deliveredFree: [...received].filter((id) => holdStatus.get(id) !== 'settled').length,
    droppedByClient,
    settled: holds.filter((h) => h.status === 'settled').length,
    refunded: holds.filter((h) => h.status === 'released').length,
    tasks: taskCounts,
  };
}
