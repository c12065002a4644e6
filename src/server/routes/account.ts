/** Self-service for client keys: the caller's own balance and usage. */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../../billing/accounts.js';
import type { Ledger } from '../../billing/ledger.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import { dateParam } from './admin.js';
import { CLIENT } from '../audience.js';
import { usageGroups, usageReport } from '../records/usage.js';

export function accountRoutes(app: FastifyInstance, d: { db: Db; accounts: Accounts; ledger: Ledger; requestLog: RequestLog }): void {
  app.get('/v1/balance', CLIENT, async (req) => {
    const p = req.principal!;
    // One statement: a hold closing between two reads would show its money in neither or both.
    const standing = await d.accounts.standing(p.accountId);
    return {
      object: 'balance',
      account_id: p.accountId,
      available: standing?.account.balance ?? 0,
      held: standing?.held.amount ?? 0,
      open_holds: standing?.held.count ?? 0,
      currency: d.ledger.currency,
      unit: 'micro',
    };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/usage', CLIENT, async (req) => {
    const p = req.principal!;
    const q = req.query;
    const groups = usageGroups(q.group_by, ['day', 'model', 'key']);
    const rows = await usageReport(
      { db: d.db.kysely, requestLog: d.requestLog },
      { accountId: p.accountId, keyId: q.key_id, model: q.model, from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to') },
      groups,
    );
    return { object: 'list', account_id: p.accountId, currency: d.ledger.currency, unit: 'micro', data: rows };
  });
}
