/**
 * A Hold owns the money of one request from reservation to close. It can be settled or refunded once; any
 * later call is a no-op that reports so. The database guard in Ledger makes "once" hold across processes
 * too (the sweep of another instance, a duplicate callback).
 */
import type { TxWork } from '../store/transact.js';
import type { HoldRecord, Ledger } from './ledger.js';

export type HoldState = 'open' | 'settled' | 'refunded';

export class Hold {
  private state: HoldState = 'open';
  private closing: Promise<number> | undefined;

  constructor(
    private readonly ledger: Ledger,
    readonly record: HoldRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get amount(): number {
    return this.record.amount;
  }

  get status(): HoldState {
    return this.state;
  }

  /** Charge `amount` (capped at the hold) and return the rest. Resolves to the amount charged (0 if it was already closed). */
  settle(amount: number): Promise<number> {
    if (this.closing) return this.closing.then(() => 0);
    this.closing = this.ledger.settle(this.record, amount).then((o) => {
      this.state = o.closed ? 'settled' : this.state;
      return o.closed ? o.charged : 0;
    });
    return this.closing;
  }

  /**
   * Settle in one transaction with `first` (see Ledger.settleAfter), which may decline. Resolves to whether
   * it took effect, and with it the settle. Either way this Hold is done: one attempt to close it, as for
   * settle and refund.
   */
  settleAfter(amount: number, first: () => TxWork<boolean>): Promise<boolean> {
    if (this.closing) return this.closing.then(() => false);
    const attempt = this.ledger.settleAfter(this.record, amount, first).then((o) => {
      if (o.closed) this.state = 'settled';
      return o;
    });
    const closing = attempt.then((o) => (o.closed ? o.charged : 0));
    // A failure reaches the caller through `attempt`; this copy is only read by later calls, if any.
    closing.catch(() => undefined);
    this.closing = closing;
    return attempt.then((o) => o.closed);
  }

  /** Return everything held. Safe to call on any path, any number of times. */
  refund(reason?: string): Promise<number> {
    if (this.closing) return this.closing.then(() => 0);
    this.closing = this.ledger.refund(this.record.id, reason).then((o) => {
      this.state = o.closed ? 'refunded' : this.state;
      return 0;
    });
    return this.closing;
  }
}
