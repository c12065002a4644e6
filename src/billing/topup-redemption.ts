/**
 * Redeeming a top-up code: the code is taken, the account credited (a `topup` ledger entry) and the audit row
 * written in one transaction, so a code credits exactly once however many redemptions race for it, on one
 * gateway or several sharing a database.
 */
import { GatewayError } from '../domain/errors.js';
import { readTopupCode } from '../store/topup-code-text.js';
import type { Redeemer, TopupCodeStore } from '../store/topup-codes.js';
import type { TxWork } from '../store/transact.js';
import type { Ledger } from './ledger.js';

export interface Redemption {
  codeId: string;
  amount: number;
  /** The account's available balance after the credit. */
  balance: number;
  /** The ledger's billing transaction of the credit. */
  txn: string;
}

/** The code's id and amount, for the audit row written in the redemption's transaction. */
export type RedemptionRecord = (code: { id: string; amount: number }, txn: string) => TxWork<void>;

export class TopupRedemptions {
  constructor(
    private readonly codes: TopupCodeStore,
    private readonly ledger: Ledger,
  ) {}

  /** Credits `who.accountId` with the code's amount, or refuses saying why (unknown, redeemed, voided, expired). */
  async redeem(typed: string, who: Redeemer, record: RedemptionRecord, now = Date.now()): Promise<Redemption> {
    const code = readTopupCode(typed);
    // A mistyped code and one never issued get the same answer: the message never repeats what was typed.
    const found = code && (await this.codes.byCode(code));
    if (!found) {
      throw new GatewayError('not_found', 'No such top-up code. Codes look like IG-XXXX-XXXX-XXXX-XXXX: check that it was typed as printed.', {
        param: 'code',
      });
    }
    const credited = await this.ledger.creditFor(
      this.codes.redemption(found.id, who, now),
      who.accountId,
      found.amount,
      'topup',
      `top-up code ${found.id}`,
      (txn) => record(found, txn),
    );
    return { codeId: found.id, amount: found.amount, balance: credited.balance, txn: credited.txn };
  }
}
