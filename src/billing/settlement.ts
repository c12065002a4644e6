/**
 * The money of a job whose images are delivered: the hold it still holds and what to charge for them. The
 * pipeline hands it to whoever finishes the request, who closes it once — a synchronous request after its
 * reply, a task worker in the same transaction as the task's terminal state — so that "charged" and
 * "finished" can never disagree after a crash.
 */
import type { Transact, TxWork } from '../store/transact.js';
import type { Hold } from './hold.js';

export class Settlement {
  /** What settling charges: the price of what was delivered, never more than was held. */
  readonly amount: number;

  constructor(
    private readonly hold: Hold | undefined,
    charge: number,
    /** Transactions of the database the hold lives in (for a job that holds nothing, settleWith still needs one). */
    private readonly transact: Transact,
  ) {
    this.amount = hold ? Math.min(charge, hold.amount) : 0;
  }

  /** The billing transaction (the hold's id); undefined for free models and unbilled callers. */
  get billingTransactionId(): string | undefined {
    return this.hold?.id;
  }

  /** Settle now. Resolves to the amount charged: 0 when nothing was held, or the hold was closed already. */
  settle(): Promise<number> {
    return this.hold ? this.hold.settle(this.amount) : Promise.resolve(0);
  }

  /** Return the whole hold: what was delivered did not reach its client. A no-op once the hold is closed. */
  async refund(reason: string): Promise<void> {
    await this.hold?.refund(reason);
  }

  /**
   * Settle in one transaction with `finish` (a task's terminal state), which runs first and may decline
   * (false: nothing is written and the hold stays open for whoever owns the task now). `finish` must also
   * decline when the hold is no longer open. Resolves to whether it took effect.
   */
  settleWith(finish: () => TxWork<boolean>): Promise<boolean> {
    return this.hold ? this.hold.settleAfter(this.amount, finish) : this.transact({ write: finish });
  }
}
