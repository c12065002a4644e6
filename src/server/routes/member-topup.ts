/**
 * `POST /v1/console/account/redeem`: a member redeems a top-up code into their own account. Each refusal
 * counts against the account and the client address (redeem-guard.ts), so codes cannot be guessed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TopupRedemptions } from '../../billing/topup-redemption.js';
import { GatewayError } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import { actingAs } from '../actor.js';
import { MEMBER } from '../audience.js';
import type { RedeemGuard } from '../redeem-guard.js';
import { RedeemSchema, type TopupRedemptionView } from '../topup-api.js';
import { parseBody } from './admin.js';

/** The member's account, which the `member` audience established. */
function memberAccount(req: FastifyRequest): string {
  if (!req.memberAccountId) throw new Error(`${req.method} ${req.routeOptions.url} acts on a member's account, but its audience established none`);
  return req.memberAccountId;
}

export function memberTopupRoutes(app: FastifyInstance, d: { redemptions: TopupRedemptions; guard: RedeemGuard; auditLog: AuditLog; currency: string }): void {
  app.post('/v1/console/account/redeem', MEMBER, async (req): Promise<TopupRedemptionView> => {
    const accountId = memberAccount(req);
    const actor = actingAs(req);
    const attempt = await d.guard.admit({ accountId, ip: req.ip });
    try {
      const { code } = parseBody(RedeemSchema, req.body);
      const r = await d.redemptions.redeem(code, { accountId, userId: actor.id }, (c, txn) =>
        d.auditLog.entryWork({
          actor,
          action: 'topup.redeem',
          target: { kind: 'topup_code', id: c.id },
          amount: c.amount,
          diff: { account_id: accountId, billing_transaction_id: txn },
        }),
      );
      await attempt.succeeded();
      return { object: 'topup_redemption', code_id: r.codeId, amount: r.amount, balance: r.balance, currency: d.currency, unit: 'micro' };
    } catch (err) {
      // Only the code's refusals count as guesses: a failure of the gateway's own is not the member's.
      if (err instanceof GatewayError && err.status < 500) await attempt.failed();
      else await attempt.succeeded();
      throw err;
    }
  });
}
